// Renders chat templates with @huggingface/jinja, the independent implementation test_jinja_templates.py compares
// whalesong's interpreter against. Usage: node render_hf_jinja.mjs JOBS.json, where JOBS.json is a list of
// {"template": PATH, "context": {...}}; prints a JSON list of {"ok": true, "text": ...} or {"ok": false, "error": ...}.
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";

const jobs = JSON.parse(readFileSync(process.argv[2], "utf8"));
const cache = new Map();
const results = jobs.map(({ template, context }) => {
    try {
        if (!cache.has(template)) cache.set(template, new Template(readFileSync(template, "utf8")));
        return { ok: true, text: cache.get(template).render(context) };
    } catch (e) {
        return { ok: false, error: String(e && e.message ? e.message : e) };
    }
});
process.stdout.write(JSON.stringify(results));
