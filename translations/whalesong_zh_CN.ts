<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AnswerWorker</name>
    <message>
        <source>The answer could not be saved: %1</source>
        <translation>无法保存回答：%1</translation>
    </message>
    <message>
        <source>No model is loaded.</source>
        <translation>未加载模型。</translation>
    </message>
    <message>
        <source>The model&apos;s context could not be allocated: %1</source>
        <translation>无法为模型分配上下文：%1</translation>
    </message>
    <message>
        <source>The conversation could not be turned into a prompt: %1</source>
        <translation>无法将对话转换为提示词：%1</translation>
    </message>
    <message numerus="yes">
        <source>The conversation is %n token(s) long; the context holds %1. Start a new conversation or raise the context length in the settings.</source>
        <translation>
            <numerusform>该对话长 %n 个 token，而上下文只能容纳 %1 个。请开始新对话，或在设置中调大上下文长度。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ApiServerHost</name>
    <message>
        <source>The API server could not start: %1</source>
        <translation>API 服务器无法启动：%1</translation>
    </message>
</context>
<context>
    <name>ApiServerPage</name>
    <message>
        <source>this-computer&apos;s-address</source>
        <translation>本机地址</translation>
    </message>
    <message>
        <source>Base URL for clients: %1
Example: %2</source>
        <translation>客户端的 Base URL：%1
示例：%2</translation>
    </message>
    <message>
        <source>Serve the loaded model to other programs over the OpenAI-compatible chat-completions API (the OpenAI SDKs, curl, Open WebUI, Dify…), as DeepSeek&apos;s API does. The same server runs without the app: whalesong-cli serve.</source>
        <translation>通过与 OpenAI 兼容的 chat-completions API，把已加载的模型提供给其他程序（OpenAI SDK、curl、Open WebUI、Dify…），与 DeepSeek API 的用法相同。不打开本应用也能运行同一个服务器：whalesong-cli serve。</translation>
    </message>
    <message>
        <source>&amp;Serve the model over the API</source>
        <translation>通过 API 提供模型服务(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>端口(&amp;P)：</translation>
    </message>
    <message>
        <source>Allow other computers on the &amp;network (needs a key)</source>
        <translation>允许局域网中的其他电脑连接（需要密钥）(&amp;N)</translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation>API 密钥(&amp;K)：</translation>
    </message>
    <message>
        <source>None: only programs on this computer may connect</source>
        <translation>不设置：只有本机上的程序可以连接</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
</context>
<context>
    <name>AsyncStore</name>
    <message>
        <source>The conversation store is not open.</source>
        <translation>对话存储尚未打开。</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <source>That conversation no longer exists.</source>
        <translation>该对话已不存在。</translation>
    </message>
    <message>
        <source>The model is not loaded yet.</source>
        <translation>模型尚未加载。</translation>
    </message>
    <message>
        <source>That answer no longer exists.</source>
        <translation>该回答已不存在。</translation>
    </message>
    <message>
        <source>That question no longer exists.</source>
        <translation>该提问已不存在。</translation>
    </message>
    <message>
        <source>The question could not be saved.</source>
        <translation>无法保存提问。</translation>
    </message>
    <message>
        <source>An answer is being written. Wait for it, or stop it with Esc.</source>
        <translation>正在生成回答。请等待它完成，或按 Esc 停止。</translation>
    </message>
    <message>
        <source>Your conversations could not be opened, so nothing can be saved or answered.</source>
        <translation>无法打开你的对话记录，因此无法保存或回答任何内容。</translation>
    </message>
    <message>
        <source>The endpoint “%1” is not set up: %2</source>
        <translation>端点“%1”尚未设置好：%2</translation>
    </message>
    <message>
        <source>Your conversations are still being opened.</source>
        <translation>正在打开你的对话记录，请稍候。</translation>
    </message>
    <message>
        <source>No model is loaded. Choose one under Settings → Model and generation…, or answer with an API endpoint.</source>
        <translation>尚未加载模型。请在“设置 → 模型与生成…”中选择一个，或改用 API 端点回答。</translation>
    </message>
    <message>
        <source>Not sent: the message is %1 tokens but only %2 are left in the context. Shorten it or start a new conversation.</source>
        <translation>未发送：这条消息有 %1 个 token，但上下文只剩 %2 个。请缩短消息或开始新对话。</translation>
    </message>
    <message>
        <source>%1, through the endpoint “%2”</source>
        <translation>%1，通过端点“%2”</translation>
    </message>
    <message>
        <source>The model is loading…</source>
        <translation>模型正在加载…</translation>
    </message>
    <message>
        <source>No model is loaded yet.</source>
        <translation>尚未加载模型。</translation>
    </message>
    <message>
        <source>The built-in demo model, on this computer (%1): random weights, so its answers are meaningless.</source>
        <translation>内置演示模型，在本机运行（%1）：权重是随机的，所以它的回答没有意义。</translation>
    </message>
    <message>
        <source>%1, on this computer (%2)</source>
        <translation>%1，在本机运行（%2）</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
</context>
<context>
    <name>CodeBlockView</name>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the LaTeX source</source>
        <translation>复制 LaTeX 源码</translation>
    </message>
    <message>
        <source>Copy the code</source>
        <translation>复制代码</translation>
    </message>
</context>
<context>
    <name>CommandLine</name>
    <message>
        <source>Show this help.</source>
        <translation>显示本帮助。</translation>
    </message>
    <message>
        <source>Keep the conversations in DIR (default: the application data folder).</source>
        <translation>把对话保存在 DIR 中（默认：应用数据文件夹）。</translation>
    </message>
    <message>
        <source>Write all conversations (or --conversation) as lossless JSON to FILE (- for standard output).</source>
        <translation>把全部对话（或 --conversation 指定的对话）以无损 JSON 写入 FILE（- 表示标准输出）。</translation>
    </message>
    <message>
        <source>With --export: only the conversation UUID.</source>
        <translation>与 --export 一起使用：只导出对话 UUID。</translation>
    </message>
    <message>
        <source>Import a Whalesong export or ChatGPT&apos;s conversations.json from FILE (all or nothing).</source>
        <translation>从 FILE 导入鲸歌的导出文件或 ChatGPT 的 conversations.json（要么全部导入，要么都不导入）。</translation>
    </message>
    <message>
        <source>Search every conversation; one JSON object per match and line.</source>
        <translation>搜索所有对话；每个匹配输出一行 JSON 对象。</translation>
    </message>
    <message>
        <source>With --search: at most N matches (50).</source>
        <translation>与 --search 一起使用：最多 N 个匹配（默认 50）。</translation>
    </message>
    <message>
        <source>Write the shown branch of conversation UUID as Markdown to the FILE given after it (- for standard output).</source>
        <translation>把对话 UUID 当前显示的分支以 Markdown 写入其后给出的 FILE（- 表示标准输出）。</translation>
    </message>
    <message>
        <source>Write the shown branch of conversation UUID as OpenAI chat messages, one JSON object per line, to the FILE given after it.</source>
        <translation>把对话 UUID 当前显示的分支以 OpenAI 聊天消息格式（每行一个 JSON 对象）写入其后给出的 FILE。</translation>
    </message>
    <message>
        <source>Whalesong: local chat with DeepSeek-V3-class models.
The data commands below work without opening a window.</source>
        <translation>鲸歌：在本机与 DeepSeek-V3 级模型对话。
下列数据命令无需打开窗口即可使用。</translation>
    </message>
    <message>
        <source>The output file of --export-markdown and --export-jsonl.</source>
        <translation>--export-markdown 和 --export-jsonl 的输出文件。</translation>
    </message>
    <message>
        <source>%1: cannot write: %2</source>
        <translation>%1：无法写入：%2</translation>
    </message>
    <message>
        <source>--%1 and --%2 cannot be used together</source>
        <translation>--%1 和 --%2 不能同时使用</translation>
    </message>
    <message>
        <source>--%1 UUID FILE: give one output FILE (- for standard output)</source>
        <translation>--%1 UUID FILE：请给出一个输出文件 FILE（- 表示标准输出）</translation>
    </message>
    <message>
        <source>unexpected argument: %1</source>
        <translation>多余的参数：%1</translation>
    </message>
    <message>
        <source>--conversation goes with --export</source>
        <translation>--conversation 只能与 --export 一起使用</translation>
    </message>
    <message>
        <source>the database could not be read; it was kept as %1 and a new one started</source>
        <translation>数据库无法读取；已另存为 %1，并新建了数据库</translation>
    </message>
    <message numerus="yes">
        <source>%n answer(s) cut short by a crash were marked interrupted</source>
        <translation>
            <numerusform>%n 条因崩溃而中断的回答已标记为“已中断”</numerusform>
        </translation>
    </message>
    <message>
        <source>note: %1</source>
        <translation>提示：%1</translation>
    </message>
    <message>
        <source>--conversation: no conversation %1</source>
        <translation>--conversation：没有对话 %1</translation>
    </message>
    <message>
        <source>%1: cannot read: %2</source>
        <translation>%1：无法读取：%2</translation>
    </message>
    <message numerus="yes">
        <source>imported %n conversation(s)</source>
        <translation>
            <numerusform>已导入 %n 个对话</numerusform>
        </translation>
    </message>
    <message>
        <source>--limit: expected a positive whole number, not %1</source>
        <translation>--limit：需要一个正整数，而不是 %1</translation>
    </message>
    <message>
        <source>--%1: no conversation %2</source>
        <translation>--%1：没有对话 %2</translation>
    </message>
    <message>
        <source>Open the window, save pictures of it and of the settings dialog in both languages as PNG files in DIR, and quit.</source>
        <translation>打开窗口，把窗口和设置对话框在两种语言下的截图以 PNG 文件保存到 DIR 中，然后退出。</translation>
    </message>
    <message>
        <source>--screenshots opens the window: it goes with no data command</source>
        <translation>--screenshots 会打开窗口：不能与数据命令一起使用</translation>
    </message>
    <message>
        <source>Show the version.</source>
        <translation>显示版本。</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Ask anything… (Enter to send, Shift+Enter for a new line)</source>
        <translation>有问题，尽管问…（Enter 发送，Shift+Enter 换行）</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Stop generating (the answer so far is kept)</source>
        <translation>停止生成（保留已生成的回答）</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation>发送（Enter）</translation>
    </message>
    <message>
        <source>%1 / %2 tokens — too long</source>
        <translation>%1 / %2 token — 过长</translation>
    </message>
    <message>
        <source>%1 / %2 tokens</source>
        <translation>%1 / %2 token</translation>
    </message>
    <message>
        <source>Tokens in the draft / tokens left in the model&apos;s context</source>
        <translation>草稿的 token 数 / 模型上下文剩余的 token 数</translation>
    </message>
</context>
<context>
    <name>ConversationListModel</name>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
</context>
<context>
    <name>ConversationSettingsDialog</name>
    <message>
        <source>Conversation Settings</source>
        <translation>对话设置</translation>
    </message>
    <message>
        <source>Settings for this conversation only. A field without “Override” follows the global settings, also when they change later.</source>
        <translation>仅对本对话生效的设置。未勾选“覆盖”的项沿用全局设置，全局设置以后更改时也会随之变化。</translation>
    </message>
    <message>
        <source>&amp;Follow Global Settings</source>
        <translation>沿用全局设置(&amp;F)</translation>
    </message>
    <message>
        <source>Clears every override of this conversation.</source>
        <translation>清除本对话的所有覆盖设置。</translation>
    </message>
</context>
<context>
    <name>ConversationSidebar</name>
    <message>
        <source>“%1” deleted</source>
        <extracomment>Shown after a conversation was moved to the trash, next to an Undo button. %1: its title.</extracomment>
        <translation>已删除“%1”</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <source>Pin</source>
        <translation>置顶</translation>
    </message>
    <message>
        <source>Search conversations (Ctrl+K)</source>
        <translation>搜索对话（Ctrl+K）</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>对话列表</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>搜索结果</translation>
    </message>
    <message>
        <source>No messages match.</source>
        <translation>没有匹配的消息。</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
</context>
<context>
    <name>DownloadManager</name>
    <message>
        <source>%1 has no repository %2 (or it is private).</source>
        <translation>%1 上没有仓库 %2（或它是私有的）。</translation>
    </message>
    <message>
        <source>%1 answered HTTP %2 for %3.</source>
        <translation>%1 对 %3 返回了 HTTP %2。</translation>
    </message>
    <message>
        <source>Could not reach %1: %2</source>
        <translation>无法连接 %1：%2</translation>
    </message>
    <message>
        <source>The file list from %1 cannot be read: %2</source>
        <translation>无法读取 %1 返回的文件列表：%2</translation>
    </message>
    <message>
        <source>Nothing to download: no files were chosen.</source>
        <translation>没有可下载的内容：未选择任何文件。</translation>
    </message>
    <message>
        <source>No folder to download into.</source>
        <translation>没有指定下载到哪个文件夹。</translation>
    </message>
    <message>
        <source>Not enough disk space for %1: it needs %2 more, and %3 has %4 free.</source>
        <translation>磁盘空间不足，无法下载 %1：还需要 %2，而 %3 只有 %4 可用。</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Could not write %1 (as %2): %3 (%4 free there). The part downloaded is kept: free some space and resume.</source>
        <translation>无法写入 %1（文件 %2）：%3（那里还有 %4 可用）。已下载的部分会保留：请腾出一些空间后继续下载。</translation>
    </message>
    <message>
        <source>%1: the server&apos;s range did not match; starting the file again.</source>
        <translation>%1：服务器返回的范围不匹配，将重新下载该文件。</translation>
    </message>
    <message>
        <source>%1: the connection ended early.</source>
        <translation>%1：连接提前结束。</translation>
    </message>
    <message>
        <source>%1: no data for %2 s.</source>
        <translation>%1：%2 秒内没有收到数据。</translation>
    </message>
    <message>
        <source>%1: the hub asks to slow down (HTTP 429).</source>
        <translation>%1：模型站要求降低请求频率（HTTP 429）。</translation>
    </message>
    <message>
        <source>%1: the hub is unavailable (HTTP 503).</source>
        <translation>%1：模型站暂时不可用（HTTP 503）。</translation>
    </message>
    <message>
        <source>%1: the hub answered HTTP %2.</source>
        <translation>%1：模型站返回了 HTTP %2。</translation>
    </message>
    <message>
        <source>%1: the hub answered HTTP %2 %3 for %4.</source>
        <translation>%1：模型站对 %4 返回了 HTTP %2 %3。</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>%1 (gave up after %2 attempts; resume to try again)</source>
        <translation>%1（尝试 %2 次后放弃；点“继续”可再试）</translation>
    </message>
    <message>
        <source>Could not read %1 back: %2</source>
        <translation>无法读回 %1：%2</translation>
    </message>
    <message>
        <source>its SHA-256 is %1, the hub says %2</source>
        <translation>其 SHA-256 为 %1，模型站给出的是 %2</translation>
    </message>
    <message>
        <source>its blob id is %1, the hub says %2</source>
        <translation>其 blob id 为 %1，模型站给出的是 %2</translation>
    </message>
    <message>
        <source>it has %1 bytes, the hub says %2</source>
        <translation>它有 %1 字节，模型站给出的是 %2</translation>
    </message>
    <message>
        <source>%1 did not match (%2); downloading it again.</source>
        <translation>%1 校验不符（%2），正在重新下载。</translation>
    </message>
    <message>
        <source>%1 is damaged: %2. It was downloaded twice and discarded both times.</source>
        <translation>%1 已损坏：%2。已下载两次，两次都已丢弃。</translation>
    </message>
    <message>
        <source>Could not move %1 into place as %2.</source>
        <translation>无法把 %1 移动到 %2。</translation>
    </message>
    <message>
        <source>Could not link %1 to its blob.</source>
        <translation>无法把 %1 链接到它的 blob。</translation>
    </message>
    <message>
        <source>Could not move %1 into place.</source>
        <translation>无法把 %1 移动到位。</translation>
    </message>
    <message>
        <source>not JSON (%1 at byte %2)</source>
        <translation>不是 JSON（第 %2 字节处：%1）</translation>
    </message>
    <message>
        <source>unknown version</source>
        <translation>未知版本</translation>
    </message>
    <message>
        <source>download %1 is incomplete</source>
        <translation>第 %1 个下载的记录不完整</translation>
    </message>
    <message>
        <source>The list of downloads in %1 could not be read (%2); it was set aside as %3.</source>
        <translation>无法读取 %1 中的下载列表（%2）；已将其另存为 %3。</translation>
    </message>
    <message>
        <source>%1 is already being downloaded into %2.</source>
        <translation>%1 正在下载到 %2。</translation>
    </message>
    <message>
        <source>%1 exists already and is not empty: choose another folder, or move it away first.</source>
        <translation>%1 已存在且不是空的：请选择另一个文件夹，或先把它移走。</translation>
    </message>
    <message>
        <source>%1: the server refuses every range of it (HTTP 416).</source>
        <translation>%1：服务器拒绝了该文件的所有续传范围（HTTP 416）。</translation>
    </message>
    <message>
        <source>%1 is missing after its download.</source>
        <translation>%1 下载后却不见了。</translation>
    </message>
</context>
<context>
    <name>DownloadsPage</name>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分钟</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>Download models into</source>
        <translation>把模型下载到</translation>
    </message>
    <message>
        <source>%1 in %2 is not on ModelScope: choose Hugging Face or a mirror.</source>
        <translation>魔搭上没有 %2 格式的 %1：请选择 Hugging Face 或镜像站。</translation>
    </message>
    <message>
        <source>Downloads are not available.</source>
        <translation>下载功能不可用。</translation>
    </message>
    <message>
        <source>Looking up %1 on %2…</source>
        <translation>正在 %2 上查找 %1…</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n file(s), %2.</source>
        <translation>
            <numerusform>%1：%n 个文件，共 %2。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 holds %n GGUF quantization(s): choose one.</source>
        <translation>
            <numerusform>%1 有 %n 种 GGUF 量化版本：请选择一种。</numerusform>
        </translation>
    </message>
    <message>
        <source>Downloading %1 into %2.</source>
        <translation>正在把 %1 下载到 %2。</translation>
    </message>
    <message>
        <source>≈ %1</source>
        <translation>≈ %1</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>%1/s, %2 left</source>
        <translation>%1/秒，剩余 %2</translation>
    </message>
    <message>
        <source>Downloading %1</source>
        <translation>正在下载 %1</translation>
    </message>
    <message>
        <source>Retrying in %1 — %2</source>
        <translation>%1 后重试——%2</translation>
    </message>
    <message>
        <source>Checking %1 (file %2 of %3)…</source>
        <translation>正在校验 %1（第 %2 个文件，共 %3 个）…</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Stopped: %1</source>
        <translation>已停止：%1</translation>
    </message>
    <message>
        <source>Ready: %1</source>
        <translation>已就绪：%1</translation>
    </message>
    <message>
        <source>Remove from list</source>
        <translation>从列表中移除</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>ModelScope&apos;s cache (%1)</source>
        <translation>魔搭的缓存（%1）</translation>
    </message>
    <message>
        <source>Hugging Face&apos;s cache (%1)</source>
        <translation>Hugging Face 的缓存（%1）</translation>
    </message>
    <message>
        <source>Download a DeepSeek model from a hub. Downloads go on in the background while you chat, resume where they stopped (also after closing Whalesong), and every file is checked before the model is offered.</source>
        <translation>从模型站下载 DeepSeek 模型。下载在后台进行，不影响聊天；中断后（包括关闭鲸歌之后）会从断点继续；每个文件都经过校验，模型才会出现在可用列表中。</translation>
    </message>
    <message>
        <source>&amp;Download from:</source>
        <translation>下载来源(&amp;D)：</translation>
    </message>
    <message>
        <source>Hugging Face</source>
        <translation>Hugging Face</translation>
    </message>
    <message>
        <source>A Hugging Face mirror</source>
        <translation>Hugging Face 镜像站</translation>
    </message>
    <message>
        <source>ModelScope (魔搭)</source>
        <translation>魔搭 ModelScope</translation>
    </message>
    <message>
        <source>The mirror&apos;s address, e.g. %1</source>
        <translation>镜像站地址，例如 %1</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>On this computer</source>
        <translation>在本机</translation>
    </message>
    <message>
        <source>&amp;Repository:</source>
        <translation>仓库(&amp;R)：</translation>
    </message>
    <message>
        <source>ORGANIZATION/NAME or the model&apos;s address on the hub</source>
        <translation>组织/名称，或模型在模型站上的网址</translation>
    </message>
    <message>
        <source>&amp;Look up</source>
        <translation>查找(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Quantization:</source>
        <translation>量化版本(&amp;Q)：</translation>
    </message>
    <message>
        <source>&amp;Save to:</source>
        <translation>保存到(&amp;S)：</translation>
    </message>
    <message>
        <source>Another folder…</source>
        <translation>其他文件夹…</translation>
    </message>
    <message>
        <source>Another folder: %1</source>
        <translation>其他文件夹：%1</translation>
    </message>
    <message>
        <source>Do&amp;wnload</source>
        <translation>下载(&amp;W)</translation>
    </message>
    <message>
        <source>Downloads:</source>
        <translation>下载任务：</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <source>Res&amp;ume</source>
        <translation>继续(&amp;U)</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <source>Choose a quantization first.</source>
        <translation>请先选择一种量化版本。</translation>
    </message>
</context>
<context>
    <name>EndpointsPage</name>
    <message>
        <source>Connected. Models: %1</source>
        <translation>已连接。模型：%1</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>(unnamed)</source>
        <translation>（未命名）</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>This computer (the local model)</source>
        <translation>本机（本地模型）</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>正在连接 %1…</translation>
    </message>
    <message>
        <source>Answer with a model served elsewhere — DeepSeek&apos;s API, or an SGLang or vLLM server for models larger than this computer. Conversations stay on this computer; a conversation can go on with another backend at any time.</source>
        <translation>使用部署在别处的模型回答——DeepSeek API，或用于运行超出本机能力的大模型的 SGLang、vLLM 服务器。对话始终保存在本机；同一个对话随时可以换用其他后端继续。</translation>
    </message>
    <message>
        <source>Answer &amp;with:</source>
        <translation>回答来源(&amp;W)：</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>添加(&amp;A)</translation>
    </message>
    <message>
        <source>DeepSeek API</source>
        <translation>DeepSeek API</translation>
    </message>
    <message>
        <source>SGLang server (port 30000)</source>
        <translation>SGLang 服务器（端口 30000）</translation>
    </message>
    <message>
        <source>vLLM server (port 8000)</source>
        <translation>vLLM 服务器（端口 8000）</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>删除(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Test connection</source>
        <translation>测试连接(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>Base &amp;URL:</source>
        <translation>Base &amp;URL：</translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation>API 密钥(&amp;K)：</translation>
    </message>
    <message>
        <source>Sent as a Bearer token; stored in this computer&apos;s settings</source>
        <translation>以 Bearer 令牌发送；保存在本机的设置中</translation>
    </message>
    <message>
        <source>M&amp;odel:</source>
        <translation>模型(&amp;O)：</translation>
    </message>
</context>
<context>
    <name>GenerationSettings</name>
    <message>
        <source>max_tokens: must be from 1 to 16384, got %1</source>
        <translation>max_tokens：必须在 1 到 16384 之间，实际为 %1</translation>
    </message>
    <message>
        <source>temperature: must be from 0 to 2, got %1</source>
        <translation>temperature：必须在 0 到 2 之间，实际为 %1</translation>
    </message>
    <message>
        <source>top_p: must be above 0 and at most 1, got %1</source>
        <translation>top_p：必须大于 0 且不超过 1，实际为 %1</translation>
    </message>
    <message>
        <source>top_k: must be 0 (off) or more, got %1</source>
        <translation>top_k：必须为 0（关闭）或更大，实际为 %1</translation>
    </message>
    <message>
        <source>presence_penalty: must be from -2 to 2, got %1</source>
        <translation>presence_penalty：必须在 -2 到 2 之间，实际为 %1</translation>
    </message>
    <message>
        <source>frequency_penalty: must be from -2 to 2, got %1</source>
        <translation>frequency_penalty：必须在 -2 到 2 之间，实际为 %1</translation>
    </message>
    <message>
        <source>stop: at most 4 stop strings, got %1</source>
        <translation>stop：最多 4 个停止词，实际为 %1 个</translation>
    </message>
    <message>
        <source>stop: a stop string is empty</source>
        <translation>stop：有一个停止词为空</translation>
    </message>
</context>
<context>
    <name>GenerationSettingsForm</name>
    <message>
        <source>Answer le&amp;ngth:</source>
        <translation>回答长度(&amp;N)：</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> token</translation>
    </message>
    <message>
        <source>The most tokens one answer may have (max_tokens).</source>
        <translation>单个回答最多可包含的 token 数（max_tokens）。</translation>
    </message>
    <message>
        <source>&amp;Temperature:</source>
        <translation>温度(&amp;T)：</translation>
    </message>
    <message>
        <source>Higher is more varied, 0 always picks the likeliest token.</source>
        <translation>越高越多样；为 0 时总是选择概率最高的 token。</translation>
    </message>
    <message>
        <source>DeepSeek temperature mapping</source>
        <translation>DeepSeek 温度映射</translation>
    </message>
    <message>
        <source>As DeepSeek&apos;s API does: a temperature up to 1 runs at 0.3 × T, above 1 at T − 0.7.</source>
        <translation>与 DeepSeek API 的做法相同：温度不超过 1 时按 0.3 × T 运行，高于 1 时按 T − 0.7 运行。</translation>
    </message>
    <message>
        <source>Top &amp;p:</source>
        <translation>Top &amp;p：</translation>
    </message>
    <message>
        <source>Sample only from the likeliest tokens whose probabilities add up to p.</source>
        <translation>只从累计概率达到 p 的最可能的 token 中采样。</translation>
    </message>
    <message>
        <source>Top &amp;k:</source>
        <translation>Top &amp;k：</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Sample only from the k likeliest tokens.</source>
        <translation>只从概率最高的 k 个 token 中采样。</translation>
    </message>
    <message>
        <source>P&amp;resence penalty:</source>
        <translation>存在惩罚(&amp;R)：</translation>
    </message>
    <message>
        <source>&amp;Frequency penalty:</source>
        <translation>频率惩罚(&amp;F)：</translation>
    </message>
    <message>
        <source>&amp;Stop strings:</source>
        <translation>停止词(&amp;S)：</translation>
    </message>
    <message>
        <source>One per line, at most 4; \n for a line break</source>
        <translation>每行一个，最多 4 个；用 \n 表示换行</translation>
    </message>
    <message>
        <source>S&amp;eed:</source>
        <translation>随机种子(&amp;E)：</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>The same seed and settings give the same answer.</source>
        <translation>相同的随机种子和设置会生成相同的回答。</translation>
    </message>
    <message>
        <source>S&amp;ystem prompt:</source>
        <translation>系统提示词(&amp;Y)：</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Override</source>
        <translation>覆盖</translation>
    </message>
    <message>
        <source>Off: this conversation follows the global settings.</source>
        <translation>不勾选时，本对话沿用全局设置。</translation>
    </message>
    <message>
        <source>seed: must be a whole number from 0 to %1</source>
        <translation>seed：必须是 0 到 %1 之间的整数</translation>
    </message>
    <message>
        <source>Effective temperature: 0 (always the likeliest token)</source>
        <translation>实际温度：0（总是选择概率最高的 token）</translation>
    </message>
    <message>
        <source>Effective temperature: %1</source>
        <translation>实际温度：%1</translation>
    </message>
</context>
<context>
    <name>Hub</name>
    <message>
        <source>“%1” is not a web address of a model.</source>
        <translation>“%1”不是模型的网址。</translation>
    </message>
    <message>
        <source>“%1” names no repository (ORGANIZATION/NAME).</source>
        <translation>“%1”中没有仓库名（组织/名称）。</translation>
    </message>
    <message>
        <source>“%1” has an empty or malformed revision after @.</source>
        <translation>“%1”中 @ 之后的版本为空或格式不正确。</translation>
    </message>
    <message>
        <source>“%1” is not a repository: write ORGANIZATION/NAME, e.g. deepseek-ai/DeepSeek-V2-Lite-Chat, or paste the model&apos;s address.</source>
        <translation>“%1”不是仓库：请写成 组织/名称，例如 deepseek-ai/DeepSeek-V2-Lite-Chat，或粘贴模型的网址。</translation>
    </message>
</context>
<context>
    <name>LocalModelsPage</name>
    <message>
        <source>Looking for models…</source>
        <translation>正在查找模型…</translation>
    </message>
    <message>
        <source>Hugging Face cache</source>
        <translation>Hugging Face 缓存</translation>
    </message>
    <message>
        <source>ModelScope cache</source>
        <translation>魔搭（ModelScope）缓存</translation>
    </message>
    <message>
        <source>Your folder</source>
        <translation>你的文件夹</translation>
    </message>
    <message>
        <source>%1 (%2 active)</source>
        <translation>%1（激活 %2）</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>可用</translation>
    </message>
    <message>
        <source>No models found in the Hugging Face or ModelScope caches or in your folders.</source>
        <translation>在 Hugging Face 或魔搭缓存以及你的文件夹中均未找到模型。</translation>
    </message>
    <message numerus="yes">
        <source>%n model(s) found, %1 ready to use.</source>
        <translation>
            <numerusform>找到 %n 个模型，其中 %1 个可用。</numerusform>
        </translation>
    </message>
    <message>
        <source>A folder that holds models</source>
        <translation>存放模型的文件夹</translation>
    </message>
    <message>
        <source>Models already on this computer: the Hugging Face cache (HF_HOME, HF_HUB_CACHE), the ModelScope cache (MODELSCOPE_CACHE) and the folders you add below. Those Whalesong cannot run are listed with the reason.</source>
        <translation>本机上已有的模型：Hugging Face 缓存（HF_HOME、HF_HUB_CACHE）、魔搭缓存（MODELSCOPE_CACHE）以及你在下方添加的文件夹。鲸歌无法运行的模型也会列出，并注明原因。</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>&amp;Use this model</source>
        <translation>使用此模型(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Look again</source>
        <translation>重新查找(&amp;L)</translation>
    </message>
    <message>
        <source>Your &amp;folders of models:</source>
        <translation>你的模型文件夹(&amp;F)：</translation>
    </message>
    <message>
        <source>&amp;Add folder…</source>
        <translation>添加文件夹(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>移除(&amp;R)</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>About Whalesong</source>
        <translation>关于鲸歌</translation>
    </message>
    <message>
        <source>&lt;b&gt;Whalesong %1&lt;/b&gt;&lt;br&gt;A desktop client for DeepSeek-V3-class models, with its own inference engine.</source>
        <translation>&lt;b&gt;鲸歌 %1&lt;/b&gt;&lt;br&gt;DeepSeek-V3 级模型的桌面客户端，自带推理引擎。</translation>
    </message>
    <message>
        <source>The model could not be loaded: %1</source>
        <translation>无法加载模型：%1</translation>
    </message>
    <message>
        <source>Loading the model was cancelled.</source>
        <translation>已取消加载模型。</translation>
    </message>
    <message>
        <source>Your conversations could not be opened: %1</source>
        <translation>无法打开你的对话：%1</translation>
    </message>
    <message>
        <source>The conversation database was damaged; it was kept as %1 and a new one started.</source>
        <translation>对话数据库已损坏；已另存为 %1，并新建了数据库。</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Demo model (random weights)</source>
        <translation>演示模型（随机权重）</translation>
    </message>
    <message>
        <source>Model: %1</source>
        <translation>模型：%1</translation>
    </message>
    <message>
        <source>Backend: %1</source>
        <translation>后端：%1</translation>
    </message>
    <message>
        <source>Context: %1 / %2 tokens</source>
        <translation>上下文：%1 / %2 token</translation>
    </message>
    <message>
        <source>Context: %1 tokens</source>
        <translation>上下文：%1 token</translation>
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation>%1 token/秒</translation>
    </message>
    <message>
        <source>Whalesong</source>
        <translation>鲸歌</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>新对话(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Search conversations</source>
        <translation>搜索对话(&amp;S)</translation>
    </message>
    <message>
        <source>S&amp;top answering</source>
        <translation>停止回答(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Model and generation…</source>
        <translation>模型与生成(&amp;M)…</translation>
    </message>
    <message>
        <source>This &amp;conversation…</source>
        <translation>当前对话(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Whalesong</source>
        <translation>关于鲸歌(&amp;A)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop loading the model</source>
        <translation>停止加载模型</translation>
    </message>
    <message>
        <source>Choose a model folder…</source>
        <translation>选择模型文件夹…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>You are using the built-in demo model. Its weights are random, so its answers are meaningless text: it shows every part of Whalesong working. Choose a real model folder to chat for real.</source>
        <translation>你正在使用内置的演示模型。它的权重是随机的，所以回答是无意义的文字；它只用来展示鲸歌各部分的运行。选择一个真实的模型文件夹，即可真正开始对话。</translation>
    </message>
    <message numerus="yes">
        <source>Answers interrupted when Whalesong last stopped: %n. They are kept as they were.</source>
        <translation>
            <numerusform>鲸歌上次停止运行时中断了 %n 条回答，这些回答已按原样保留。</numerusform>
        </translation>
    </message>
    <message>
        <source>Answers from: %1 (%2)</source>
        <translation>回答来自：%1（%2）</translation>
    </message>
    <message>
        <source>API: %1</source>
        <translation>API：%1</translation>
    </message>
    <message>
        <source>%1 is downloaded and checked: choose it in Settings → Download (Use this model).</source>
        <translation>%1 已下载并校验完毕：可在“设置 → 下载”中选择它（使用此模型）。</translation>
    </message>
    <message>
        <source>The download of %1 stopped: %2</source>
        <translation>%1 的下载已停止：%2</translation>
    </message>
    <message>
        <source>Downloading %1: %2 %, %3 min left</source>
        <translation>正在下载 %1：%2%，剩余 %3 分钟</translation>
    </message>
    <message>
        <source>Downloading %1: %2 %</source>
        <translation>正在下载 %1：%2%</translation>
    </message>
    <message numerus="yes">
        <source>Downloading %n model(s): %1 %</source>
        <translation>
            <numerusform>正在下载 %n 个模型：%1%</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>Assistant · %1</source>
        <translation>助手 · %1</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>Tool</source>
        <translation>工具</translation>
    </message>
    <message>
        <source>Stopped — the answer above is incomplete.</source>
        <translation>已停止——以上回答不完整。</translation>
    </message>
    <message>
        <source>Error: generation failed.</source>
        <translation>错误：生成失败。</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>错误：%1</translation>
    </message>
    <message>
        <source>Interrupted — Whalesong closed before this answer was finished.</source>
        <translation>已中断——鲸歌在这条回答完成前关闭了。</translation>
    </message>
    <message>
        <source>TTFT %1 s</source>
        <translation>TTFT %1 秒</translation>
    </message>
    <message>
        <source>prefill %1 tok/s</source>
        <translation>预填充 %1 token/秒</translation>
    </message>
    <message>
        <source>decode %1 tok/s</source>
        <translation>解码 %1 token/秒</translation>
    </message>
    <message>
        <source>Prompt: %1 tokens</source>
        <translation>提示词：%1 token</translation>
    </message>
    <message>
        <source>Answer: %1 tokens</source>
        <translation>回答：%1 token</translation>
    </message>
    <message>
        <source>Backend: %1</source>
        <translation>后端：%1</translation>
    </message>
    <message>
        <source>%1/%2</source>
        <translation>%1/%2</translation>
    </message>
    <message>
        <source>Previous version</source>
        <translation>上一个版本</translation>
    </message>
    <message>
        <source>Next version</source>
        <translation>下一个版本</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the whole message</source>
        <translation>复制整条消息</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Answer this question again (the current answer is kept as a version)</source>
        <translation>重新回答这个提问（当前回答会作为一个版本保留）</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Edit this question and send it again (as a new version)</source>
        <translation>编辑这个提问并重新发送（作为新版本）</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ModelCard</name>
    <message>
        <source>Architecture: %1</source>
        <translation>架构：%1</translation>
    </message>
    <message>
        <source>Parameters: %1 total · %2 active</source>
        <translation>参数：总计 %1 · 激活 %2</translation>
    </message>
    <message>
        <source>(+ %1 for multi-token prediction)</source>
        <translation>（另有 %1 用于多 token 预测）</translation>
    </message>
    <message>
        <source>Layers: %1 (%2 dense, %3 MoE)</source>
        <translation>层数：%1（%2 层稠密，%3 层 MoE）</translation>
    </message>
    <message>
        <source>Experts: %1 routed, %2 shared, %3 per token</source>
        <translation>专家：%1 个路由专家，%2 个共享专家，每个 token 激活 %3 个</translation>
    </message>
    <message>
        <source>Weights: %1 · %2 on disk</source>
        <translation>权重：%1 · 磁盘占用 %2</translation>
    </message>
    <message>
        <source>Maximum context: %1 tokens</source>
        <translation>最大上下文：%1 token</translation>
    </message>
    <message>
        <source>%1 (weights %2 + %3 for %4 tokens of context)</source>
        <translation>%1（权重 %2 + %4 token 上下文所需的 %3）</translation>
    </message>
    <message>
        <source>Free system memory: %1</source>
        <translation>系统可用内存：%1</translation>
    </message>
    <message>
        <source>More than the free memory: weights will be read from disk as they are used (slow).</source>
        <translation>超出可用内存：权重将在使用时从磁盘读取（较慢）。</translation>
    </message>
    <message>
        <source>Weights: GGUF %1 (%2) · %3 on disk</source>
        <translation>权重：GGUF %1（%2）· 磁盘占用 %3</translation>
    </message>
</context>
<context>
    <name>ModelCatalog</name>
    <message>
        <source>The smallest DeepSeek MoE chat model (15.7B, 2.4B active): runs on most computers.</source>
        <translation>最小的 DeepSeek MoE 对话模型（157 亿参数，激活 24 亿）：大多数电脑都能运行。</translation>
    </message>
    <message>
        <source>DeepSeek-V2-Lite trained for code (15.7B, 2.4B active).</source>
        <translation>面向代码训练的 DeepSeek-V2-Lite（157 亿参数，激活 24 亿）。</translation>
    </message>
    <message>
        <source>DeepSeek-V2&apos;s chat and code model merged (236B, 21B active).</source>
        <translation>DeepSeek-V2 对话模型与代码模型的合并版（2360 亿参数，激活 210 亿）。</translation>
    </message>
    <message>
        <source>DeepSeek-V3 as updated in March 2025 (671B, 37B active): the model behind deepseek-chat.</source>
        <translation>2025 年 3 月更新的 DeepSeek-V3（6710 亿参数，激活 370 亿）：deepseek-chat 背后的模型。</translation>
    </message>
    <message>
        <source>DeepSeek&apos;s reasoning model, May 2025 (671B, 37B active): thinks before it answers.</source>
        <translation>DeepSeek 的推理模型，2025 年 5 月版（6710 亿参数，激活 370 亿）：先思考再回答。</translation>
    </message>
    <message>
        <source>Fits in GPU memory (%1 of %2)</source>
        <translation>显存放得下（%1 / %2）</translation>
    </message>
    <message>
        <source>Fits in memory (%1 of %2)</source>
        <translation>内存放得下（%1 / %2）</translation>
    </message>
    <message>
        <source>Needs about %1</source>
        <translation>约需 %1</translation>
    </message>
    <message>
        <source>Too large: needs %1, this computer has %2 (it would run from disk, very slowly)</source>
        <translation>太大：需要 %1，本机只有 %2（只能从磁盘读取运行，非常慢）</translation>
    </message>
</context>
<context>
    <name>ModelLoader</name>
    <message>
        <source>Preparing the demo model…</source>
        <translation>正在准备演示模型…</translation>
    </message>
    <message>
        <source>The demo model could not be created: %1</source>
        <translation>无法创建演示模型：%1</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
</context>
<context>
    <name>ModelSettingsDialog</name>
    <message>
        <source>Model Settings</source>
        <translation>模型设置</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Answers</source>
        <translation>回答(&amp;A)</translation>
    </message>
    <message>
        <source>Use the built-in &amp;demo model</source>
        <translation>使用内置演示模型(&amp;D)</translation>
    </message>
    <message>
        <source>A tiny model that ships with Whalesong, for trying the app without downloading one.</source>
        <translation>鲸歌自带的微型模型，无需下载模型即可试用本应用。</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>浏览(&amp;B)…</translation>
    </message>
    <message>
        <source>Bac&amp;kend:</source>
        <translation>后端(&amp;K)：</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA (not in this build)</source>
        <translation>CUDA（此版本不支持）</translation>
    </message>
    <message>
        <source>&amp;GPU:</source>
        <translation>&amp;GPU：</translation>
    </message>
    <message>
        <source>The CUDA device to use; needs the CUDA backend.</source>
        <translation>要使用的 CUDA 设备；需要 CUDA 后端。</translation>
    </message>
    <message>
        <source>CPU &amp;threads:</source>
        <translation>CPU 线程数(&amp;T)：</translation>
    </message>
    <message>
        <source>All cores (%1)</source>
        <translation>全部核心（%1）</translation>
    </message>
    <message>
        <source>&amp;Context length:</source>
        <translation>上下文长度(&amp;C)：</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> token</translation>
    </message>
    <message>
        <source>The longest conversation the model can see; longer needs more memory.</source>
        <translation>模型能看到的最长对话；越长需要的内存越多。</translation>
    </message>
    <message>
        <source>Memory:</source>
        <translation>内存：</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Choose a Model Folder</source>
        <translation>选择模型文件夹</translation>
    </message>
    <message>
        <source>The built-in demo model (random weights: its answers are noise).</source>
        <translation>内置演示模型（随机权重：回答是无意义的噪声）。</translation>
    </message>
    <message>
        <source>The built-in demo model: a tiny DeepSeek-V3 with random weights, written on first use. It shows how the app works; its answers are noise.</source>
        <translation>内置演示模型：一个随机权重的微型 DeepSeek-V3，首次使用时写入磁盘。它用来展示本应用的运行方式，回答是无意义的噪声。</translation>
    </message>
    <message>
        <source>&amp;Endpoints</source>
        <translation>端点(&amp;E)</translation>
    </message>
    <message>
        <source>API &amp;server</source>
        <translation>API 服务器(&amp;S)</translation>
    </message>
    <message>
        <source>Model &amp;folder or file:</source>
        <translation>模型文件夹或文件(&amp;F)：</translation>
    </message>
    <message>
        <source>A folder with config.json, *.safetensors and tokenizer.json, or a .gguf file</source>
        <translation>包含 config.json、*.safetensors 和 tokenizer.json 的文件夹，或一个 .gguf 文件</translation>
    </message>
    <message>
        <source>&amp;GGUF File…</source>
        <translation>GGUF 文件(&amp;G)…</translation>
    </message>
    <message>
        <source>Choose a .gguf file (for a split model, its first part: …-00001-of-0000N.gguf)</source>
        <translation>选择一个 .gguf 文件（分卷模型请选择第一个分卷：…-00001-of-0000N.gguf）</translation>
    </message>
    <message>
        <source>Choose a GGUF Model File</source>
        <translation>选择 GGUF 模型文件</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <source>Choose a model folder or a .gguf file, or use the built-in demo model.</source>
        <translation>请选择模型文件夹或 .gguf 文件，或使用内置演示模型。</translation>
    </message>
    <message>
        <source>Checking the model…</source>
        <translation>正在检查模型…</translation>
    </message>
    <message>
        <source>The model&apos;s weights could not be described.</source>
        <translation>无法读取该模型权重的信息。</translation>
    </message>
    <message>
        <source>Known once the model is checked.</source>
        <translation>检查模型后可知。</translation>
    </message>
    <message>
        <source>On this &amp;computer</source>
        <translation>本机模型(&amp;C)</translation>
    </message>
    <message>
        <source>CUDA (looking for GPUs…)</source>
        <translation>CUDA（正在查找 GPU…）</translation>
    </message>
    <message>
        <source>Looking for GPUs…</source>
        <translation>正在查找 GPU…</translation>
    </message>
    <message>
        <source>This build runs models on the CPU only: the CUDA toolkit was not found when it was built.</source>
        <translation>此版本只能在 CPU 上运行模型：构建时未找到 CUDA 工具包。</translation>
    </message>
    <message>
        <source>CUDA (no GPU)</source>
        <translation>CUDA（无可用 GPU）</translation>
    </message>
    <message>
        <source>No GPU can be used, so models run on the CPU: %1</source>
        <translation>没有可用的 GPU，模型将在 CPU 上运行：%1</translation>
    </message>
    <message>
        <source>CUDA</source>
        <translation>CUDA</translation>
    </message>
    <message>
        <source>GPU %1: %2, %3 free of %4</source>
        <translation>GPU %1：%2，可用 %3，共 %4</translation>
    </message>
    <message>
        <source>&amp;Download</source>
        <translation>下载(&amp;D)</translation>
    </message>
</context>
<context>
    <name>RemoteChatClient</name>
    <message>
        <source>%1 rejected the request (HTTP %2).</source>
        <translation>%1 拒绝了该请求（HTTP %2）。</translation>
    </message>
    <message>
        <source>%1 refused the API key (HTTP %2). Check the key in Settings → Endpoints.</source>
        <translation>%1 拒绝了 API 密钥（HTTP %2）。请在“设置 → 端点”中检查密钥。</translation>
    </message>
    <message>
        <source>%1: the account&apos;s balance is used up (HTTP 402). Top it up, then try again.</source>
        <translation>%1：账户余额不足（HTTP 402）。充值后再试。</translation>
    </message>
    <message>
        <source>%1 does not know this model or address (HTTP 404). Check the base URL and the model name.</source>
        <translation>%1 找不到该模型或地址（HTTP 404）。请检查 Base URL 和模型名称。</translation>
    </message>
    <message>
        <source>%1 is limiting requests (HTTP 429). Wait a moment, then try again.</source>
        <translation>%1 正在限制请求频率（HTTP 429）。请稍候再试。</translation>
    </message>
    <message>
        <source>%1 had a server error (HTTP %2). Try again later.</source>
        <translation>%1 出现服务器错误（HTTP %2）。请稍后再试。</translation>
    </message>
    <message>
        <source>%1 answered HTTP %2.</source>
        <translation>%1 返回了 HTTP %2。</translation>
    </message>
    <message>
        <source>The server said: %1</source>
        <translation>服务器返回：%1</translation>
    </message>
    <message>
        <source>%1 stopped with an error: %2</source>
        <translation>%1 因错误而中止：%2</translation>
    </message>
    <message>
        <source>no details</source>
        <translation>无详细信息</translation>
    </message>
    <message>
        <source>Could not reach %1: %2</source>
        <translation>无法连接 %1：%2</translation>
    </message>
    <message>
        <source>%1 closed the connection before the answer was complete.</source>
        <translation>%1 在回答完成前关闭了连接。</translation>
    </message>
    <message>
        <source>%1 lists no models.</source>
        <translation>%1 没有列出任何模型。</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Name: give the endpoint a name.</source>
        <translation>名称：请为端点命名。</translation>
    </message>
    <message>
        <source>Base URL: an http:// or https:// address is needed, such as https://api.deepseek.com/v1.</source>
        <translation>Base URL：需要一个 http:// 或 https:// 地址，例如 https://api.deepseek.com/v1。</translation>
    </message>
    <message>
        <source>Model: the model&apos;s name on that server is needed.</source>
        <translation>模型：需要填写该服务器上的模型名称。</translation>
    </message>
    <message>
        <source>API key: DeepSeek&apos;s API needs one (platform.deepseek.com).</source>
        <translation>API 密钥：DeepSeek API 需要密钥（platform.deepseek.com）。</translation>
    </message>
    <message>
        <source>Port must be in [1, 65535], got %1.</source>
        <translation>端口必须在 [1, 65535] 之间，当前为 %1。</translation>
    </message>
    <message>
        <source>API key: required when other computers may connect.</source>
        <translation>API 密钥：允许其他电脑连接时必须设置。</translation>
    </message>
</context>
<context>
    <name>ThinkingSection</name>
    <message>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <source>Thought for %1 s</source>
        <translation>已思考（用时 %1 秒）</translation>
    </message>
    <message>
        <source>Thoughts</source>
        <translation>思考过程</translation>
    </message>
    <message>
        <source>Show or hide the model&apos;s reasoning</source>
        <translation>显示或隐藏模型的思考过程</translation>
    </message>
</context>
<context>
    <name>ToolCallsView</name>
    <message>
        <source>Tool call</source>
        <translation>工具调用</translation>
    </message>
    <message>
        <source>Calls tool %1</source>
        <translation>调用工具 %1</translation>
    </message>
</context>
<context>
    <name>WelcomePane</name>
    <message>
        <source>Welcome to Whalesong</source>
        <translation>欢迎使用鲸歌</translation>
    </message>
    <message>
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Chat with DeepSeek models on this computer, or through an API. Three ways to begin:</source>
        <translation>在本机或通过 API 与 DeepSeek 模型对话。三种开始方式：</translation>
    </message>
    <message>
        <source>Try the demo model</source>
        <translation>试用演示模型</translation>
    </message>
    <message>
        <source>A small model built into Whalesong, with random weights: its answers are meaningless text, but you can see everything work — streaming, saving, search, export. Nothing to download.</source>
        <translation>鲸歌内置的一个小模型，权重是随机的：它的回答是无意义的文字，但你可以看到各项功能如何运作——流式输出、保存、搜索、导出。无需下载。</translation>
    </message>
    <message>
        <source>Use the demo model</source>
        <translation>使用演示模型</translation>
    </message>
    <message>
        <source>Answer with DeepSeek&apos;s API</source>
        <translation>用 DeepSeek 的 API 回答</translation>
    </message>
    <message>
        <source>DeepSeek&apos;s own service (deepseek-chat, deepseek-reasoner) with your API key, or any OpenAI-compatible server such as SGLang or vLLM — for models too large for one computer.</source>
        <translation>使用你的 API 密钥调用 DeepSeek 官方服务（deepseek-chat、deepseek-reasoner），或任何兼容 OpenAI 的服务器，如 SGLang 或 vLLM——适合一台电脑放不下的模型。</translation>
    </message>
    <message>
        <source>Set up the API…</source>
        <translation>设置 API…</translation>
    </message>
    <message>
        <source>Type your message below and press Enter to send it (Shift+Enter for a new line). Settings → This conversation… sets its system prompt and sampling.</source>
        <translation>在下方输入消息，按 Enter 发送（Shift+Enter 换行）。在“设置 → 当前对话…”中可设置本对话的系统提示词和采样参数。</translation>
    </message>
    <message>
        <source>Download a model</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <source>DeepSeek-V2-Lite, V3, R1 and more from Hugging Face, a mirror or ModelScope (魔搭), with the size of each and whether it fits this computer. Or use a model you already have: a Hugging Face or ModelScope folder, or a GGUF file.</source>
        <translation>从 Hugging Face、镜像站或魔搭下载 DeepSeek-V2-Lite、V3、R1 等模型，并显示每个模型的大小以及本机能否运行。也可以使用已有的模型：Hugging Face 或魔搭的模型文件夹，或 GGUF 文件。</translation>
    </message>
    <message>
        <source>Download a model…</source>
        <translation>下载模型…</translation>
    </message>
    <message>
        <source>Use a model on this computer…</source>
        <translation>使用本机上的模型…</translation>
    </message>
</context>
</TS>
