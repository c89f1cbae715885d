"""llama.cpp's source tree (gguf-py, ggml's reference code) for tests that check us against it: found or fetched.

CI reaches only Debian's packages and the npm registry, so the tree comes from the git bundle of llama.cpp that the
npm package node-llama-cpp ships (llama/gitRelease.bundle): `npm install` it, then `git clone` the bundle.

    from llamacpp_tree import ensure_llamacpp_tree
    tree = ensure_llamacpp_tree(work_dir)      # e.g. tree + "/gguf-py" onto sys.path
"""

import os
import shutil
import subprocess
import tempfile

NODE_LLAMA_CPP = "node-llama-cpp@3.22.1"  # its bundle: llama.cpp as of node-llama-cpp's release
ENV_VAR = "WS_LLAMACPP_TREE"
# Files a usable tree has; a directory without them is an interrupted clone and is made again.
MARKERS = ("gguf-py/gguf/__init__.py", "ggml/src/ggml-quants.c", "ggml/src/ggml-common.h")


class TreeError(RuntimeError):
    """The tree could not be found or made; the message says which step failed and its output."""


def _complete(path):
    return all(os.path.isfile(os.path.join(path, m)) for m in MARKERS)


def _run(cmd, step, timeout):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise TreeError("%s: %s" % (step, e)) from e
    if p.returncode != 0:
        out = (p.stdout + p.stderr).decode("utf-8", "replace").strip()
        raise TreeError("%s: exit %d: %s" % (step, p.returncode, out[-2000:]))


def ensure_llamacpp_tree(work_dir, log=None):
    """The path of a llama.cpp source tree. $WS_LLAMACPP_TREE when set (it must hold a complete tree); otherwise
    WORK_DIR/llama.cpp, made when missing from node-llama-cpp's bundle (npm and git needed; about 30 s, the npm
    package kept in WORK_DIR/nlc). Safe when several processes share WORK_DIR: the clone is renamed into place.
    `log(str)` hears about a fetch. Raises TreeError naming the step that failed."""
    env = os.environ.get(ENV_VAR)
    if env:
        if not _complete(env):
            raise TreeError("%s=%s is not a llama.cpp tree (missing one of %s)" % (ENV_VAR, env, ", ".join(MARKERS)))
        return os.path.abspath(env)

    work_dir = os.path.abspath(work_dir)
    tree = os.path.join(work_dir, "llama.cpp")
    if _complete(tree):
        return tree
    os.makedirs(work_dir, exist_ok=True)
    npm, git = shutil.which("npm"), shutil.which("git")
    if not npm or not git:
        raise TreeError("fetching llama.cpp needs npm and git (npm: %s, git: %s); or set %s to a tree"
                        % (npm, git, ENV_VAR))

    nlc = os.path.join(work_dir, "nlc")
    bundle = os.path.join(nlc, "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle")
    if not os.path.isfile(bundle):
        if log:
            log("llamacpp_tree: npm install %s into %s" % (NODE_LLAMA_CPP, nlc))
        os.makedirs(nlc, exist_ok=True)
        _run([npm, "install", "--prefix", nlc, NODE_LLAMA_CPP, "--omit=optional", "--ignore-scripts", "--no-audit",
              "--no-fund"], "npm install " + NODE_LLAMA_CPP, 600)
        if not os.path.isfile(bundle):
            raise TreeError("npm install %s gave no %s" % (NODE_LLAMA_CPP, bundle))

    if log:
        log("llamacpp_tree: git clone %s" % bundle)
    tmp = tempfile.mkdtemp(prefix="llama.cpp.", dir=work_dir)
    try:
        clone = os.path.join(tmp, "llama.cpp")
        _run([git, "clone", "-q", bundle, clone], "git clone " + bundle, 600)
        if not _complete(clone):
            raise TreeError("the clone of %s lacks one of %s" % (bundle, ", ".join(MARKERS)))
        if os.path.isdir(tree) and not _complete(tree):
            shutil.rmtree(tree, ignore_errors=True)
        try:
            os.rename(clone, tree)
        except OSError:
            if not _complete(tree):  # another process won the race only if its tree is whole
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tree
