<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>AnswerWorker</name>
    <message>
        <source>The answer could not be saved: %1</source>
        <translation>The answer could not be saved: %1</translation>
    </message>
    <message>
        <source>No model is loaded.</source>
        <translation>No model is loaded.</translation>
    </message>
    <message>
        <source>The model's context could not be allocated: %1</source>
        <translation>The model's context could not be allocated: %1</translation>
    </message>
    <message>
        <source>The conversation could not be turned into a prompt: %1</source>
        <translation>The conversation could not be turned into a prompt: %1</translation>
    </message>
    <message numerus="yes">
        <source>The conversation is %n token(s) long; the context holds %1. Start a new conversation or raise the context length in the settings.</source>
        <translation>
            <numerusform>The conversation is %n token long; the context holds %1. Start a new conversation or raise the context length in the settings.</numerusform>
            <numerusform>The conversation is %n tokens long; the context holds %1. Start a new conversation or raise the context length in the settings.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ApiServerHost</name>
    <message>
        <source>The API server could not start: %1</source>
        <translation>The API server could not start: %1</translation>
    </message>
</context>
<context>
    <name>ApiServerPage</name>
    <message>
        <source>this-computer's-address</source>
        <translation>this-computer's-address</translation>
    </message>
    <message>
        <source>Base URL for clients: %1
Example: %2</source>
        <translation>Base URL for clients: %1
Example: %2</translation>
    </message>
    <message>
        <source>Serve the loaded model to other programs over the OpenAI-compatible chat-completions API (the OpenAI SDKs, curl, Open WebUI, Dify…), as DeepSeek's API does. The same server runs without the app: whalesong-cli serve.</source>
        <translation>Serve the loaded model to other programs over the OpenAI-compatible chat-completions API (the OpenAI SDKs, curl, Open WebUI, Dify…), as DeepSeek's API does. The same server runs without the app: whalesong-cli serve.</translation>
    </message>
    <message>
        <source>&amp;Serve the model over the API</source>
        <translation>&amp;Serve the model over the API</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>&amp;Port:</translation>
    </message>
    <message>
        <source>Allow other computers on the &amp;network (needs a key)</source>
        <translation>Allow other computers on the &amp;network (needs a key)</translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation>API &amp;key:</translation>
    </message>
    <message>
        <source>None: only programs on this computer may connect</source>
        <translation>None: only programs on this computer may connect</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>&amp;Generate</translation>
    </message>
</context>
<context>
    <name>AsyncStore</name>
    <message>
        <source>The conversation store is not open.</source>
        <translation>The conversation store is not open.</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <source>That conversation no longer exists.</source>
        <translation>That conversation no longer exists.</translation>
    </message>
    <message>
        <source>The model is not loaded yet.</source>
        <translation>The model is not loaded yet.</translation>
    </message>
    <message>
        <source>That answer no longer exists.</source>
        <translation>That answer no longer exists.</translation>
    </message>
    <message>
        <source>That question no longer exists.</source>
        <translation>That question no longer exists.</translation>
    </message>
    <message>
        <source>The question could not be saved.</source>
        <translation>The question could not be saved.</translation>
    </message>
    <message>
        <source>An answer is being written. Wait for it, or stop it with Esc.</source>
        <translation>An answer is being written. Wait for it, or stop it with Esc.</translation>
    </message>
    <message>
        <source>Your conversations could not be opened, so nothing can be saved or answered.</source>
        <translation>Your conversations could not be opened, so nothing can be saved or answered.</translation>
    </message>
    <message>
        <source>The endpoint “%1” is not set up: %2</source>
        <translation>The endpoint “%1” is not set up: %2</translation>
    </message>
    <message>
        <source>Your conversations are still being opened.</source>
        <translation>Your conversations are still being opened.</translation>
    </message>
    <message>
        <source>No model is loaded. Choose one under Settings → Model and generation…, or answer with an API endpoint.</source>
        <translation>No model is loaded. Choose one under Settings → Model and generation…, or answer with an API endpoint.</translation>
    </message>
    <message>
        <source>Not sent: the message is %1 tokens but only %2 are left in the context. Shorten it or start a new conversation.</source>
        <translation>Not sent: the message is %1 tokens but only %2 are left in the context. Shorten it or start a new conversation.</translation>
    </message>
    <message>
        <source>%1, through the endpoint “%2”</source>
        <translation>%1, through the endpoint “%2”</translation>
    </message>
    <message>
        <source>The model is loading…</source>
        <translation>The model is loading…</translation>
    </message>
    <message>
        <source>No model is loaded yet.</source>
        <translation>No model is loaded yet.</translation>
    </message>
    <message>
        <source>The built-in demo model, on this computer (%1): random weights, so its answers are meaningless.</source>
        <translation>The built-in demo model, on this computer (%1): random weights, so its answers are meaningless.</translation>
    </message>
    <message>
        <source>%1, on this computer (%2)</source>
        <translation>%1, on this computer (%2)</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>Conversation</source>
        <translation>Conversation</translation>
    </message>
</context>
<context>
    <name>CodeBlockView</name>
    <message>
        <source>Code</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Copied</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Copy</translation>
    </message>
    <message>
        <source>Copy the LaTeX source</source>
        <translation>Copy the LaTeX source</translation>
    </message>
    <message>
        <source>Copy the code</source>
        <translation>Copy the code</translation>
    </message>
</context>
<context>
    <name>CommandLine</name>
    <message>
        <source>Show this help.</source>
        <translation>Show this help.</translation>
    </message>
    <message>
        <source>Keep the conversations in DIR (default: the application data folder).</source>
        <translation>Keep the conversations in DIR (default: the application data folder).</translation>
    </message>
    <message>
        <source>Write all conversations (or --conversation) as lossless JSON to FILE (- for standard output).</source>
        <translation>Write all conversations (or --conversation) as lossless JSON to FILE (- for standard output).</translation>
    </message>
    <message>
        <source>With --export: only the conversation UUID.</source>
        <translation>With --export: only the conversation UUID.</translation>
    </message>
    <message>
        <source>Import a Whalesong export or ChatGPT's conversations.json from FILE (all or nothing).</source>
        <translation>Import a Whalesong export or ChatGPT's conversations.json from FILE (all or nothing).</translation>
    </message>
    <message>
        <source>Search every conversation; one JSON object per match and line.</source>
        <translation>Search every conversation; one JSON object per match and line.</translation>
    </message>
    <message>
        <source>With --search: at most N matches (50).</source>
        <translation>With --search: at most N matches (50).</translation>
    </message>
    <message>
        <source>Write the shown branch of conversation UUID as Markdown to the FILE given after it (- for standard output).</source>
        <translation>Write the shown branch of conversation UUID as Markdown to the FILE given after it (- for standard output).</translation>
    </message>
    <message>
        <source>Write the shown branch of conversation UUID as OpenAI chat messages, one JSON object per line, to the FILE given after it.</source>
        <translation>Write the shown branch of conversation UUID as OpenAI chat messages, one JSON object per line, to the FILE given after it.</translation>
    </message>
    <message>
        <source>Whalesong: local chat with DeepSeek-V3-class models.
The data commands below work without opening a window.</source>
        <translation>Whalesong: local chat with DeepSeek-V3-class models.
The data commands below work without opening a window.</translation>
    </message>
    <message>
        <source>The output file of --export-markdown and --export-jsonl.</source>
        <translation>The output file of --export-markdown and --export-jsonl.</translation>
    </message>
    <message>
        <source>%1: cannot write: %2</source>
        <translation>%1: cannot write: %2</translation>
    </message>
    <message>
        <source>--%1 and --%2 cannot be used together</source>
        <translation>--%1 and --%2 cannot be used together</translation>
    </message>
    <message>
        <source>--%1 UUID FILE: give one output FILE (- for standard output)</source>
        <translation>--%1 UUID FILE: give one output FILE (- for standard output)</translation>
    </message>
    <message>
        <source>unexpected argument: %1</source>
        <translation>unexpected argument: %1</translation>
    </message>
    <message>
        <source>--conversation goes with --export</source>
        <translation>--conversation goes with --export</translation>
    </message>
    <message>
        <source>the database could not be read; it was kept as %1 and a new one started</source>
        <translation>the database could not be read; it was kept as %1 and a new one started</translation>
    </message>
    <message numerus="yes">
        <source>%n answer(s) cut short by a crash were marked interrupted</source>
        <translation>
            <numerusform>%n answer cut short by a crash was marked interrupted</numerusform>
            <numerusform>%n answers cut short by a crash were marked interrupted</numerusform>
        </translation>
    </message>
    <message>
        <source>note: %1</source>
        <translation>note: %1</translation>
    </message>
    <message>
        <source>--conversation: no conversation %1</source>
        <translation>--conversation: no conversation %1</translation>
    </message>
    <message>
        <source>%1: cannot read: %2</source>
        <translation>%1: cannot read: %2</translation>
    </message>
    <message numerus="yes">
        <source>imported %n conversation(s)</source>
        <translation>
            <numerusform>imported %n conversation</numerusform>
            <numerusform>imported %n conversations</numerusform>
        </translation>
    </message>
    <message>
        <source>--limit: expected a positive whole number, not %1</source>
        <translation>--limit: expected a positive whole number, not %1</translation>
    </message>
    <message>
        <source>--%1: no conversation %2</source>
        <translation>--%1: no conversation %2</translation>
    </message>
    <message>
        <source>Open the window, save pictures of it and of the settings dialog in both languages as PNG files in DIR, and quit.</source>
        <translation>Open the window, save pictures of it and of the settings dialog in both languages as PNG files in DIR, and quit.</translation>
    </message>
    <message>
        <source>--screenshots opens the window: it goes with no data command</source>
        <translation>--screenshots opens the window: it goes with no data command</translation>
    </message>
    <message>
        <source>Show the version.</source>
        <translation>Show the version.</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Ask anything… (Enter to send, Shift+Enter for a new line)</source>
        <translation>Ask anything… (Enter to send, Shift+Enter for a new line)</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Stop</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>Stop generating (the answer so far is kept)</source>
        <translation>Stop generating (the answer so far is kept)</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation>Send (Enter)</translation>
    </message>
    <message>
        <source>%1 / %2 tokens — too long</source>
        <translation>%1 / %2 tokens — too long</translation>
    </message>
    <message>
        <source>%1 / %2 tokens</source>
        <translation>%1 / %2 tokens</translation>
    </message>
    <message>
        <source>Tokens in the draft / tokens left in the model's context</source>
        <translation>Tokens in the draft / tokens left in the model's context</translation>
    </message>
</context>
<context>
    <name>ConversationListModel</name>
    <message>
        <source>New chat</source>
        <translation>New chat</translation>
    </message>
</context>
<context>
    <name>ConversationSettingsDialog</name>
    <message>
        <source>Conversation Settings</source>
        <translation>Conversation Settings</translation>
    </message>
    <message>
        <source>Settings for this conversation only. A field without “Override” follows the global settings, also when they change later.</source>
        <translation>Settings for this conversation only. A field without “Override” follows the global settings, also when they change later.</translation>
    </message>
    <message>
        <source>&amp;Follow Global Settings</source>
        <translation>&amp;Follow Global Settings</translation>
    </message>
    <message>
        <source>Clears every override of this conversation.</source>
        <translation>Clears every override of this conversation.</translation>
    </message>
</context>
<context>
    <name>ConversationSidebar</name>
    <message>
        <source>“%1” deleted</source>
        <extracomment>Shown after a conversation was moved to the trash, next to an Undo button. %1: its title.</extracomment>
        <translation>“%1” deleted</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>Unpin</translation>
    </message>
    <message>
        <source>Pin</source>
        <translation>Pin</translation>
    </message>
    <message>
        <source>Search conversations (Ctrl+K)</source>
        <translation>Search conversations (Ctrl+K)</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>Search conversations</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>New chat</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>Conversations</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Search results</translation>
    </message>
    <message>
        <source>No messages match.</source>
        <translation>No messages match.</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>Rename</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Undo</translation>
    </message>
</context>
<context>
    <name>DownloadManager</name>
    <message>
        <source>%1 has no repository %2 (or it is private).</source>
        <translation>%1 has no repository %2 (or it is private).</translation>
    </message>
    <message>
        <source>%1 answered HTTP %2 for %3.</source>
        <translation>%1 answered HTTP %2 for %3.</translation>
    </message>
    <message>
        <source>Could not reach %1: %2</source>
        <translation>Could not reach %1: %2</translation>
    </message>
    <message>
        <source>The file list from %1 cannot be read: %2</source>
        <translation>The file list from %1 cannot be read: %2</translation>
    </message>
    <message>
        <source>Nothing to download: no files were chosen.</source>
        <translation>Nothing to download: no files were chosen.</translation>
    </message>
    <message>
        <source>No folder to download into.</source>
        <translation>No folder to download into.</translation>
    </message>
    <message>
        <source>Not enough disk space for %1: it needs %2 more, and %3 has %4 free.</source>
        <translation>Not enough disk space for %1: it needs %2 more, and %3 has %4 free.</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>Could not write %1: %2</translation>
    </message>
    <message>
        <source>Could not write %1 (as %2): %3 (%4 free there). The part downloaded is kept: free some space and resume.</source>
        <translation>Could not write %1 (as %2): %3 (%4 free there). The part downloaded is kept: free some space and resume.</translation>
    </message>
    <message>
        <source>%1: the server's range did not match; starting the file again.</source>
        <translation>%1: the server's range did not match; starting the file again.</translation>
    </message>
    <message>
        <source>%1: the connection ended early.</source>
        <translation>%1: the connection ended early.</translation>
    </message>
    <message>
        <source>%1: no data for %2 s.</source>
        <translation>%1: no data for %2 s.</translation>
    </message>
    <message>
        <source>%1: the hub asks to slow down (HTTP 429).</source>
        <translation>%1: the hub asks to slow down (HTTP 429).</translation>
    </message>
    <message>
        <source>%1: the hub is unavailable (HTTP 503).</source>
        <translation>%1: the hub is unavailable (HTTP 503).</translation>
    </message>
    <message>
        <source>%1: the hub answered HTTP %2.</source>
        <translation>%1: the hub answered HTTP %2.</translation>
    </message>
    <message>
        <source>%1: the hub answered HTTP %2 %3 for %4.</source>
        <translation>%1: the hub answered HTTP %2 %3 for %4.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>%1 (gave up after %2 attempts; resume to try again)</source>
        <translation>%1 (gave up after %2 attempts; resume to try again)</translation>
    </message>
    <message>
        <source>Could not read %1 back: %2</source>
        <translation>Could not read %1 back: %2</translation>
    </message>
    <message>
        <source>its SHA-256 is %1, the hub says %2</source>
        <translation>its SHA-256 is %1, the hub says %2</translation>
    </message>
    <message>
        <source>its blob id is %1, the hub says %2</source>
        <translation>its blob id is %1, the hub says %2</translation>
    </message>
    <message>
        <source>it has %1 bytes, the hub says %2</source>
        <translation>it has %1 bytes, the hub says %2</translation>
    </message>
    <message>
        <source>%1 did not match (%2); downloading it again.</source>
        <translation>%1 did not match (%2); downloading it again.</translation>
    </message>
    <message>
        <source>%1 is damaged: %2. It was downloaded twice and discarded both times.</source>
        <translation>%1 is damaged: %2. It was downloaded twice and discarded both times.</translation>
    </message>
    <message>
        <source>Could not move %1 into place as %2.</source>
        <translation>Could not move %1 into place as %2.</translation>
    </message>
    <message>
        <source>Could not link %1 to its blob.</source>
        <translation>Could not link %1 to its blob.</translation>
    </message>
    <message>
        <source>Could not move %1 into place.</source>
        <translation>Could not move %1 into place.</translation>
    </message>
    <message>
        <source>not JSON (%1 at byte %2)</source>
        <translation>not JSON (%1 at byte %2)</translation>
    </message>
    <message>
        <source>unknown version</source>
        <translation>unknown version</translation>
    </message>
    <message>
        <source>download %1 is incomplete</source>
        <translation>download %1 is incomplete</translation>
    </message>
    <message>
        <source>The list of downloads in %1 could not be read (%2); it was set aside as %3.</source>
        <translation>The list of downloads in %1 could not be read (%2); it was set aside as %3.</translation>
    </message>
    <message>
        <source>%1 is already being downloaded into %2.</source>
        <translation>%1 is already being downloaded into %2.</translation>
    </message>
    <message>
        <source>%1 exists already and is not empty: choose another folder, or move it away first.</source>
        <translation>%1 exists already and is not empty: choose another folder, or move it away first.</translation>
    </message>
    <message>
        <source>%1: the server refuses every range of it (HTTP 416).</source>
        <translation>%1: the server refuses every range of it (HTTP 416).</translation>
    </message>
    <message>
        <source>%1 is missing after its download.</source>
        <translation>%1 is missing after its download.</translation>
    </message>
</context>
<context>
    <name>DownloadsPage</name>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>Download models into</source>
        <translation>Download models into</translation>
    </message>
    <message>
        <source>%1 in %2 is not on ModelScope: choose Hugging Face or a mirror.</source>
        <translation>%1 in %2 is not on ModelScope: choose Hugging Face or a mirror.</translation>
    </message>
    <message>
        <source>Downloads are not available.</source>
        <translation>Downloads are not available.</translation>
    </message>
    <message>
        <source>Looking up %1 on %2…</source>
        <translation>Looking up %1 on %2…</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n file(s), %2.</source>
        <translation>
            <numerusform>%1: %n file, %2.</numerusform>
            <numerusform>%1: %n files, %2.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 holds %n GGUF quantization(s): choose one.</source>
        <translation>
            <numerusform>%1 holds %n GGUF quantization: choose one.</numerusform>
            <numerusform>%1 holds %n GGUF quantizations: choose one.</numerusform>
        </translation>
    </message>
    <message>
        <source>Downloading %1 into %2.</source>
        <translation>Downloading %1 into %2.</translation>
    </message>
    <message>
        <source>≈ %1</source>
        <translation>≈ %1</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 of %2</translation>
    </message>
    <message>
        <source>%1/s, %2 left</source>
        <translation>%1/s, %2 left</translation>
    </message>
    <message>
        <source>Downloading %1</source>
        <translation>Downloading %1</translation>
    </message>
    <message>
        <source>Retrying in %1 — %2</source>
        <translation>Retrying in %1 — %2</translation>
    </message>
    <message>
        <source>Checking %1 (file %2 of %3)…</source>
        <translation>Checking %1 (file %2 of %3)…</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Paused</translation>
    </message>
    <message>
        <source>Stopped: %1</source>
        <translation>Stopped: %1</translation>
    </message>
    <message>
        <source>Ready: %1</source>
        <translation>Ready: %1</translation>
    </message>
    <message>
        <source>Remove from list</source>
        <translation>Remove from list</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>ModelScope's cache (%1)</source>
        <translation>ModelScope's cache (%1)</translation>
    </message>
    <message>
        <source>Hugging Face's cache (%1)</source>
        <translation>Hugging Face's cache (%1)</translation>
    </message>
    <message>
        <source>Download a DeepSeek model from a hub. Downloads go on in the background while you chat, resume where they stopped (also after closing Whalesong), and every file is checked before the model is offered.</source>
        <translation>Download a DeepSeek model from a hub. Downloads go on in the background while you chat, resume where they stopped (also after closing Whalesong), and every file is checked before the model is offered.</translation>
    </message>
    <message>
        <source>&amp;Download from:</source>
        <translation>&amp;Download from:</translation>
    </message>
    <message>
        <source>Hugging Face</source>
        <translation>Hugging Face</translation>
    </message>
    <message>
        <source>A Hugging Face mirror</source>
        <translation>A Hugging Face mirror</translation>
    </message>
    <message>
        <source>ModelScope (魔搭)</source>
        <translation>ModelScope (魔搭)</translation>
    </message>
    <message>
        <source>The mirror's address, e.g. %1</source>
        <translation>The mirror's address, e.g. %1</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Format</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>On this computer</source>
        <translation>On this computer</translation>
    </message>
    <message>
        <source>&amp;Repository:</source>
        <translation>&amp;Repository:</translation>
    </message>
    <message>
        <source>ORGANIZATION/NAME or the model's address on the hub</source>
        <translation>ORGANIZATION/NAME or the model's address on the hub</translation>
    </message>
    <message>
        <source>&amp;Look up</source>
        <translation>&amp;Look up</translation>
    </message>
    <message>
        <source>&amp;Quantization:</source>
        <translation>&amp;Quantization:</translation>
    </message>
    <message>
        <source>&amp;Save to:</source>
        <translation>&amp;Save to:</translation>
    </message>
    <message>
        <source>Another folder…</source>
        <translation>Another folder…</translation>
    </message>
    <message>
        <source>Another folder: %1</source>
        <translation>Another folder: %1</translation>
    </message>
    <message>
        <source>Do&amp;wnload</source>
        <translation>Do&amp;wnload</translation>
    </message>
    <message>
        <source>Downloads:</source>
        <translation>Downloads:</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Progress</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Pause</translation>
    </message>
    <message>
        <source>Res&amp;ume</source>
        <translation>Res&amp;ume</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>Use this model</translation>
    </message>
    <message>
        <source>Choose a quantization first.</source>
        <translation>Choose a quantization first.</translation>
    </message>
</context>
<context>
    <name>EndpointsPage</name>
    <message>
        <source>Connected. Models: %1</source>
        <translation>Connected. Models: %1</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>(unnamed)</source>
        <translation>(unnamed)</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>This computer (the local model)</source>
        <translation>This computer (the local model)</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Connecting to %1…</translation>
    </message>
    <message>
        <source>Answer with a model served elsewhere — DeepSeek's API, or an SGLang or vLLM server for models larger than this computer. Conversations stay on this computer; a conversation can go on with another backend at any time.</source>
        <translation>Answer with a model served elsewhere — DeepSeek's API, or an SGLang or vLLM server for models larger than this computer. Conversations stay on this computer; a conversation can go on with another backend at any time.</translation>
    </message>
    <message>
        <source>Answer &amp;with:</source>
        <translation>Answer &amp;with:</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>&amp;Add</translation>
    </message>
    <message>
        <source>DeepSeek API</source>
        <translation>DeepSeek API</translation>
    </message>
    <message>
        <source>SGLang server (port 30000)</source>
        <translation>SGLang server (port 30000)</translation>
    </message>
    <message>
        <source>vLLM server (port 8000)</source>
        <translation>vLLM server (port 8000)</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>&amp;Remove</translation>
    </message>
    <message>
        <source>&amp;Test connection</source>
        <translation>&amp;Test connection</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>Base &amp;URL:</source>
        <translation>Base &amp;URL:</translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation>API &amp;key:</translation>
    </message>
    <message>
        <source>Sent as a Bearer token; stored in this computer's settings</source>
        <translation>Sent as a Bearer token; stored in this computer's settings</translation>
    </message>
    <message>
        <source>M&amp;odel:</source>
        <translation>M&amp;odel:</translation>
    </message>
</context>
<context>
    <name>GenerationSettings</name>
    <message>
        <source>max_tokens: must be from 1 to 16384, got %1</source>
        <translation>max_tokens: must be from 1 to 16384, got %1</translation>
    </message>
    <message>
        <source>temperature: must be from 0 to 2, got %1</source>
        <translation>temperature: must be from 0 to 2, got %1</translation>
    </message>
    <message>
        <source>top_p: must be above 0 and at most 1, got %1</source>
        <translation>top_p: must be above 0 and at most 1, got %1</translation>
    </message>
    <message>
        <source>top_k: must be 0 (off) or more, got %1</source>
        <translation>top_k: must be 0 (off) or more, got %1</translation>
    </message>
    <message>
        <source>presence_penalty: must be from -2 to 2, got %1</source>
        <translation>presence_penalty: must be from -2 to 2, got %1</translation>
    </message>
    <message>
        <source>frequency_penalty: must be from -2 to 2, got %1</source>
        <translation>frequency_penalty: must be from -2 to 2, got %1</translation>
    </message>
    <message>
        <source>stop: at most 4 stop strings, got %1</source>
        <translation>stop: at most 4 stop strings, got %1</translation>
    </message>
    <message>
        <source>stop: a stop string is empty</source>
        <translation>stop: a stop string is empty</translation>
    </message>
</context>
<context>
    <name>GenerationSettingsForm</name>
    <message>
        <source>Answer le&amp;ngth:</source>
        <translation>Answer le&amp;ngth:</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> tokens</translation>
    </message>
    <message>
        <source>The most tokens one answer may have (max_tokens).</source>
        <translation>The most tokens one answer may have (max_tokens).</translation>
    </message>
    <message>
        <source>&amp;Temperature:</source>
        <translation>&amp;Temperature:</translation>
    </message>
    <message>
        <source>Higher is more varied, 0 always picks the likeliest token.</source>
        <translation>Higher is more varied, 0 always picks the likeliest token.</translation>
    </message>
    <message>
        <source>DeepSeek temperature mapping</source>
        <translation>DeepSeek temperature mapping</translation>
    </message>
    <message>
        <source>As DeepSeek's API does: a temperature up to 1 runs at 0.3 × T, above 1 at T − 0.7.</source>
        <translation>As DeepSeek's API does: a temperature up to 1 runs at 0.3 × T, above 1 at T − 0.7.</translation>
    </message>
    <message>
        <source>Top &amp;p:</source>
        <translation>Top &amp;p:</translation>
    </message>
    <message>
        <source>Sample only from the likeliest tokens whose probabilities add up to p.</source>
        <translation>Sample only from the likeliest tokens whose probabilities add up to p.</translation>
    </message>
    <message>
        <source>Top &amp;k:</source>
        <translation>Top &amp;k:</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Off</translation>
    </message>
    <message>
        <source>Sample only from the k likeliest tokens.</source>
        <translation>Sample only from the k likeliest tokens.</translation>
    </message>
    <message>
        <source>P&amp;resence penalty:</source>
        <translation>P&amp;resence penalty:</translation>
    </message>
    <message>
        <source>&amp;Frequency penalty:</source>
        <translation>&amp;Frequency penalty:</translation>
    </message>
    <message>
        <source>&amp;Stop strings:</source>
        <translation>&amp;Stop strings:</translation>
    </message>
    <message>
        <source>One per line, at most 4; \n for a line break</source>
        <translation>One per line, at most 4; \n for a line break</translation>
    </message>
    <message>
        <source>S&amp;eed:</source>
        <translation>S&amp;eed:</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>Random</translation>
    </message>
    <message>
        <source>The same seed and settings give the same answer.</source>
        <translation>The same seed and settings give the same answer.</translation>
    </message>
    <message>
        <source>S&amp;ystem prompt:</source>
        <translation>S&amp;ystem prompt:</translation>
    </message>
    <message>
        <source>None</source>
        <translation>None</translation>
    </message>
    <message>
        <source>Override</source>
        <translation>Override</translation>
    </message>
    <message>
        <source>Off: this conversation follows the global settings.</source>
        <translation>Off: this conversation follows the global settings.</translation>
    </message>
    <message>
        <source>seed: must be a whole number from 0 to %1</source>
        <translation>seed: must be a whole number from 0 to %1</translation>
    </message>
    <message>
        <source>Effective temperature: 0 (always the likeliest token)</source>
        <translation>Effective temperature: 0 (always the likeliest token)</translation>
    </message>
    <message>
        <source>Effective temperature: %1</source>
        <translation>Effective temperature: %1</translation>
    </message>
</context>
<context>
    <name>Hub</name>
    <message>
        <source>“%1” is not a web address of a model.</source>
        <translation>“%1” is not a web address of a model.</translation>
    </message>
    <message>
        <source>“%1” names no repository (ORGANIZATION/NAME).</source>
        <translation>“%1” names no repository (ORGANIZATION/NAME).</translation>
    </message>
    <message>
        <source>“%1” has an empty or malformed revision after @.</source>
        <translation>“%1” has an empty or malformed revision after @.</translation>
    </message>
    <message>
        <source>“%1” is not a repository: write ORGANIZATION/NAME, e.g. deepseek-ai/DeepSeek-V2-Lite-Chat, or paste the model's address.</source>
        <translation>“%1” is not a repository: write ORGANIZATION/NAME, e.g. deepseek-ai/DeepSeek-V2-Lite-Chat, or paste the model's address.</translation>
    </message>
</context>
<context>
    <name>LocalModelsPage</name>
    <message>
        <source>Looking for models…</source>
        <translation>Looking for models…</translation>
    </message>
    <message>
        <source>Hugging Face cache</source>
        <translation>Hugging Face cache</translation>
    </message>
    <message>
        <source>ModelScope cache</source>
        <translation>ModelScope cache</translation>
    </message>
    <message>
        <source>Your folder</source>
        <translation>Your folder</translation>
    </message>
    <message>
        <source>%1 (%2 active)</source>
        <translation>%1 (%2 active)</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Ready</translation>
    </message>
    <message>
        <source>No models found in the Hugging Face or ModelScope caches or in your folders.</source>
        <translation>No models found in the Hugging Face or ModelScope caches or in your folders.</translation>
    </message>
    <message numerus="yes">
        <source>%n model(s) found, %1 ready to use.</source>
        <translation>
            <numerusform>%n model found, %1 ready to use.</numerusform>
            <numerusform>%n models found, %1 ready to use.</numerusform>
        </translation>
    </message>
    <message>
        <source>A folder that holds models</source>
        <translation>A folder that holds models</translation>
    </message>
    <message>
        <source>Models already on this computer: the Hugging Face cache (HF_HOME, HF_HUB_CACHE), the ModelScope cache (MODELSCOPE_CACHE) and the folders you add below. Those Whalesong cannot run are listed with the reason.</source>
        <translation>Models already on this computer: the Hugging Face cache (HF_HOME, HF_HUB_CACHE), the ModelScope cache (MODELSCOPE_CACHE) and the folders you add below. Those Whalesong cannot run are listed with the reason.</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>Where</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Format</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>Parameters</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>&amp;Use this model</source>
        <translation>&amp;Use this model</translation>
    </message>
    <message>
        <source>&amp;Look again</source>
        <translation>&amp;Look again</translation>
    </message>
    <message>
        <source>Your &amp;folders of models:</source>
        <translation>Your &amp;folders of models:</translation>
    </message>
    <message>
        <source>&amp;Add folder…</source>
        <translation>&amp;Add folder…</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>&amp;Remove</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>About Whalesong</source>
        <translation>About Whalesong</translation>
    </message>
    <message>
        <source>&lt;b&gt;Whalesong %1&lt;/b&gt;&lt;br&gt;A desktop client for DeepSeek-V3-class models, with its own inference engine.</source>
        <translation>&lt;b&gt;Whalesong %1&lt;/b&gt;&lt;br&gt;A desktop client for DeepSeek-V3-class models, with its own inference engine.</translation>
    </message>
    <message>
        <source>The model could not be loaded: %1</source>
        <translation>The model could not be loaded: %1</translation>
    </message>
    <message>
        <source>Loading the model was cancelled.</source>
        <translation>Loading the model was cancelled.</translation>
    </message>
    <message>
        <source>Your conversations could not be opened: %1</source>
        <translation>Your conversations could not be opened: %1</translation>
    </message>
    <message>
        <source>The conversation database was damaged; it was kept as %1 and a new one started.</source>
        <translation>The conversation database was damaged; it was kept as %1 and a new one started.</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>No model loaded</translation>
    </message>
    <message>
        <source>Demo model (random weights)</source>
        <translation>Demo model (random weights)</translation>
    </message>
    <message>
        <source>Model: %1</source>
        <translation>Model: %1</translation>
    </message>
    <message>
        <source>Backend: %1</source>
        <translation>Backend: %1</translation>
    </message>
    <message>
        <source>Context: %1 / %2 tokens</source>
        <translation>Context: %1 / %2 tokens</translation>
    </message>
    <message>
        <source>Context: %1 tokens</source>
        <translation>Context: %1 tokens</translation>
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation>%1 tokens/s</translation>
    </message>
    <message>
        <source>Whalesong</source>
        <translation>Whalesong</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>&amp;New chat</translation>
    </message>
    <message>
        <source>&amp;Search conversations</source>
        <translation>&amp;Search conversations</translation>
    </message>
    <message>
        <source>S&amp;top answering</source>
        <translation>S&amp;top answering</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>&amp;Settings</translation>
    </message>
    <message>
        <source>&amp;Model and generation…</source>
        <translation>&amp;Model and generation…</translation>
    </message>
    <message>
        <source>This &amp;conversation…</source>
        <translation>This &amp;conversation…</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Language</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>System language</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>&amp;About Whalesong</source>
        <translation>&amp;About Whalesong</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Stop loading the model</source>
        <translation>Stop loading the model</translation>
    </message>
    <message>
        <source>Choose a model folder…</source>
        <translation>Choose a model folder…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>You are using the built-in demo model. Its weights are random, so its answers are meaningless text: it shows every part of Whalesong working. Choose a real model folder to chat for real.</source>
        <translation>You are using the built-in demo model. Its weights are random, so its answers are meaningless text: it shows every part of Whalesong working. Choose a real model folder to chat for real.</translation>
    </message>
    <message numerus="yes">
        <source>Answers interrupted when Whalesong last stopped: %n. They are kept as they were.</source>
        <translation>
            <numerusform>Answers interrupted when Whalesong last stopped: %n. They are kept as they were.</numerusform>
            <numerusform>Answers interrupted when Whalesong last stopped: %n. They are kept as they were.</numerusform>
        </translation>
    </message>
    <message>
        <source>Answers from: %1 (%2)</source>
        <translation>Answers from: %1 (%2)</translation>
    </message>
    <message>
        <source>API: %1</source>
        <translation>API: %1</translation>
    </message>
    <message>
        <source>%1 is downloaded and checked: choose it in Settings → Download (Use this model).</source>
        <translation>%1 is downloaded and checked: choose it in Settings → Download (Use this model).</translation>
    </message>
    <message>
        <source>The download of %1 stopped: %2</source>
        <translation>The download of %1 stopped: %2</translation>
    </message>
    <message>
        <source>Downloading %1: %2 %, %3 min left</source>
        <translation>Downloading %1: %2 %, %3 min left</translation>
    </message>
    <message>
        <source>Downloading %1: %2 %</source>
        <translation>Downloading %1: %2 %</translation>
    </message>
    <message numerus="yes">
        <source>Downloading %n model(s): %1 %</source>
        <translation>
            <numerusform>Downloading %n model: %1 %</numerusform>
            <numerusform>Downloading %n models: %1 %</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message>
        <source>You</source>
        <translation>You</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>Assistant</translation>
    </message>
    <message>
        <source>Assistant · %1</source>
        <translation>Assistant · %1</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>System prompt</translation>
    </message>
    <message>
        <source>Tool</source>
        <translation>Tool</translation>
    </message>
    <message>
        <source>Stopped — the answer above is incomplete.</source>
        <translation>Stopped — the answer above is incomplete.</translation>
    </message>
    <message>
        <source>Error: generation failed.</source>
        <translation>Error: generation failed.</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>Error: %1</translation>
    </message>
    <message>
        <source>Interrupted — Whalesong closed before this answer was finished.</source>
        <translation>Interrupted — Whalesong closed before this answer was finished.</translation>
    </message>
    <message>
        <source>TTFT %1 s</source>
        <translation>TTFT %1 s</translation>
    </message>
    <message>
        <source>prefill %1 tok/s</source>
        <translation>prefill %1 tok/s</translation>
    </message>
    <message>
        <source>decode %1 tok/s</source>
        <translation>decode %1 tok/s</translation>
    </message>
    <message>
        <source>Prompt: %1 tokens</source>
        <translation>Prompt: %1 tokens</translation>
    </message>
    <message>
        <source>Answer: %1 tokens</source>
        <translation>Answer: %1 tokens</translation>
    </message>
    <message>
        <source>Backend: %1</source>
        <translation>Backend: %1</translation>
    </message>
    <message>
        <source>%1/%2</source>
        <translation>%1/%2</translation>
    </message>
    <message>
        <source>Previous version</source>
        <translation>Previous version</translation>
    </message>
    <message>
        <source>Next version</source>
        <translation>Next version</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Copy</translation>
    </message>
    <message>
        <source>Copy the whole message</source>
        <translation>Copy the whole message</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>Regenerate</translation>
    </message>
    <message>
        <source>Answer this question again (the current answer is kept as a version)</source>
        <translation>Answer this question again (the current answer is kept as a version)</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>Edit this question and send it again (as a new version)</source>
        <translation>Edit this question and send it again (as a new version)</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>ModelCard</name>
    <message>
        <source>Architecture: %1</source>
        <translation>Architecture: %1</translation>
    </message>
    <message>
        <source>Parameters: %1 total · %2 active</source>
        <translation>Parameters: %1 total · %2 active</translation>
    </message>
    <message>
        <source>(+ %1 for multi-token prediction)</source>
        <translation>(+ %1 for multi-token prediction)</translation>
    </message>
    <message>
        <source>Layers: %1 (%2 dense, %3 MoE)</source>
        <translation>Layers: %1 (%2 dense, %3 MoE)</translation>
    </message>
    <message>
        <source>Experts: %1 routed, %2 shared, %3 per token</source>
        <translation>Experts: %1 routed, %2 shared, %3 per token</translation>
    </message>
    <message>
        <source>Weights: %1 · %2 on disk</source>
        <translation>Weights: %1 · %2 on disk</translation>
    </message>
    <message>
        <source>Maximum context: %1 tokens</source>
        <translation>Maximum context: %1 tokens</translation>
    </message>
    <message>
        <source>%1 (weights %2 + %3 for %4 tokens of context)</source>
        <translation>%1 (weights %2 + %3 for %4 tokens of context)</translation>
    </message>
    <message>
        <source>Free system memory: %1</source>
        <translation>Free system memory: %1</translation>
    </message>
    <message>
        <source>More than the free memory: weights will be read from disk as they are used (slow).</source>
        <translation>More than the free memory: weights will be read from disk as they are used (slow).</translation>
    </message>
    <message>
        <source>Weights: GGUF %1 (%2) · %3 on disk</source>
        <translation>Weights: GGUF %1 (%2) · %3 on disk</translation>
    </message>
</context>
<context>
    <name>ModelCatalog</name>
    <message>
        <source>The smallest DeepSeek MoE chat model (15.7B, 2.4B active): runs on most computers.</source>
        <translation>The smallest DeepSeek MoE chat model (15.7B, 2.4B active): runs on most computers.</translation>
    </message>
    <message>
        <source>DeepSeek-V2-Lite trained for code (15.7B, 2.4B active).</source>
        <translation>DeepSeek-V2-Lite trained for code (15.7B, 2.4B active).</translation>
    </message>
    <message>
        <source>DeepSeek-V2's chat and code model merged (236B, 21B active).</source>
        <translation>DeepSeek-V2's chat and code model merged (236B, 21B active).</translation>
    </message>
    <message>
        <source>DeepSeek-V3 as updated in March 2025 (671B, 37B active): the model behind deepseek-chat.</source>
        <translation>DeepSeek-V3 as updated in March 2025 (671B, 37B active): the model behind deepseek-chat.</translation>
    </message>
    <message>
        <source>DeepSeek's reasoning model, May 2025 (671B, 37B active): thinks before it answers.</source>
        <translation>DeepSeek's reasoning model, May 2025 (671B, 37B active): thinks before it answers.</translation>
    </message>
    <message>
        <source>Fits in GPU memory (%1 of %2)</source>
        <translation>Fits in GPU memory (%1 of %2)</translation>
    </message>
    <message>
        <source>Fits in memory (%1 of %2)</source>
        <translation>Fits in memory (%1 of %2)</translation>
    </message>
    <message>
        <source>Needs about %1</source>
        <translation>Needs about %1</translation>
    </message>
    <message>
        <source>Too large: needs %1, this computer has %2 (it would run from disk, very slowly)</source>
        <translation>Too large: needs %1, this computer has %2 (it would run from disk, very slowly)</translation>
    </message>
</context>
<context>
    <name>ModelLoader</name>
    <message>
        <source>Preparing the demo model…</source>
        <translation>Preparing the demo model…</translation>
    </message>
    <message>
        <source>The demo model could not be created: %1</source>
        <translation>The demo model could not be created: %1</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>Loading %1…</translation>
    </message>
</context>
<context>
    <name>ModelSettingsDialog</name>
    <message>
        <source>Model Settings</source>
        <translation>Model Settings</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>&amp;Model</translation>
    </message>
    <message>
        <source>&amp;Answers</source>
        <translation>&amp;Answers</translation>
    </message>
    <message>
        <source>Use the built-in &amp;demo model</source>
        <translation>Use the built-in &amp;demo model</translation>
    </message>
    <message>
        <source>A tiny model that ships with Whalesong, for trying the app without downloading one.</source>
        <translation>A tiny model that ships with Whalesong, for trying the app without downloading one.</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>&amp;Browse…</translation>
    </message>
    <message>
        <source>Bac&amp;kend:</source>
        <translation>Bac&amp;kend:</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>Automatic</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA (not in this build)</source>
        <translation>CUDA (not in this build)</translation>
    </message>
    <message>
        <source>&amp;GPU:</source>
        <translation>&amp;GPU:</translation>
    </message>
    <message>
        <source>The CUDA device to use; needs the CUDA backend.</source>
        <translation>The CUDA device to use; needs the CUDA backend.</translation>
    </message>
    <message>
        <source>CPU &amp;threads:</source>
        <translation>CPU &amp;threads:</translation>
    </message>
    <message>
        <source>All cores (%1)</source>
        <translation>All cores (%1)</translation>
    </message>
    <message>
        <source>&amp;Context length:</source>
        <translation>&amp;Context length:</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> tokens</translation>
    </message>
    <message>
        <source>The longest conversation the model can see; longer needs more memory.</source>
        <translation>The longest conversation the model can see; longer needs more memory.</translation>
    </message>
    <message>
        <source>Memory:</source>
        <translation>Memory:</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Language:</translation>
    </message>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>Choose a Model Folder</source>
        <translation>Choose a Model Folder</translation>
    </message>
    <message>
        <source>The built-in demo model (random weights: its answers are noise).</source>
        <translation>The built-in demo model (random weights: its answers are noise).</translation>
    </message>
    <message>
        <source>The built-in demo model: a tiny DeepSeek-V3 with random weights, written on first use. It shows how the app works; its answers are noise.</source>
        <translation>The built-in demo model: a tiny DeepSeek-V3 with random weights, written on first use. It shows how the app works; its answers are noise.</translation>
    </message>
    <message>
        <source>&amp;Endpoints</source>
        <translation>&amp;Endpoints</translation>
    </message>
    <message>
        <source>API &amp;server</source>
        <translation>API &amp;server</translation>
    </message>
    <message>
        <source>Model &amp;folder or file:</source>
        <translation>Model &amp;folder or file:</translation>
    </message>
    <message>
        <source>A folder with config.json, *.safetensors and tokenizer.json, or a .gguf file</source>
        <translation>A folder with config.json, *.safetensors and tokenizer.json, or a .gguf file</translation>
    </message>
    <message>
        <source>&amp;GGUF File…</source>
        <translation>&amp;GGUF File…</translation>
    </message>
    <message>
        <source>Choose a .gguf file (for a split model, its first part: …-00001-of-0000N.gguf)</source>
        <translation>Choose a .gguf file (for a split model, its first part: …-00001-of-0000N.gguf)</translation>
    </message>
    <message>
        <source>Choose a GGUF Model File</source>
        <translation>Choose a GGUF Model File</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF models (*.gguf)</translation>
    </message>
    <message>
        <source>Choose a model folder or a .gguf file, or use the built-in demo model.</source>
        <translation>Choose a model folder or a .gguf file, or use the built-in demo model.</translation>
    </message>
    <message>
        <source>Checking the model…</source>
        <translation>Checking the model…</translation>
    </message>
    <message>
        <source>The model's weights could not be described.</source>
        <translation>The model's weights could not be described.</translation>
    </message>
    <message>
        <source>Known once the model is checked.</source>
        <translation>Known once the model is checked.</translation>
    </message>
    <message>
        <source>On this &amp;computer</source>
        <translation>On this &amp;computer</translation>
    </message>
    <message>
        <source>CUDA (looking for GPUs…)</source>
        <translation>CUDA (looking for GPUs…)</translation>
    </message>
    <message>
        <source>Looking for GPUs…</source>
        <translation>Looking for GPUs…</translation>
    </message>
    <message>
        <source>This build runs models on the CPU only: the CUDA toolkit was not found when it was built.</source>
        <translation>This build runs models on the CPU only: the CUDA toolkit was not found when it was built.</translation>
    </message>
    <message>
        <source>CUDA (no GPU)</source>
        <translation>CUDA (no GPU)</translation>
    </message>
    <message>
        <source>No GPU can be used, so models run on the CPU: %1</source>
        <translation>No GPU can be used, so models run on the CPU: %1</translation>
    </message>
    <message>
        <source>CUDA</source>
        <translation>CUDA</translation>
    </message>
    <message>
        <source>GPU %1: %2, %3 free of %4</source>
        <translation>GPU %1: %2, %3 free of %4</translation>
    </message>
    <message>
        <source>&amp;Download</source>
        <translation>&amp;Download</translation>
    </message>
</context>
<context>
    <name>RemoteChatClient</name>
    <message>
        <source>%1 rejected the request (HTTP %2).</source>
        <translation>%1 rejected the request (HTTP %2).</translation>
    </message>
    <message>
        <source>%1 refused the API key (HTTP %2). Check the key in Settings → Endpoints.</source>
        <translation>%1 refused the API key (HTTP %2). Check the key in Settings → Endpoints.</translation>
    </message>
    <message>
        <source>%1: the account's balance is used up (HTTP 402). Top it up, then try again.</source>
        <translation>%1: the account's balance is used up (HTTP 402). Top it up, then try again.</translation>
    </message>
    <message>
        <source>%1 does not know this model or address (HTTP 404). Check the base URL and the model name.</source>
        <translation>%1 does not know this model or address (HTTP 404). Check the base URL and the model name.</translation>
    </message>
    <message>
        <source>%1 is limiting requests (HTTP 429). Wait a moment, then try again.</source>
        <translation>%1 is limiting requests (HTTP 429). Wait a moment, then try again.</translation>
    </message>
    <message>
        <source>%1 had a server error (HTTP %2). Try again later.</source>
        <translation>%1 had a server error (HTTP %2). Try again later.</translation>
    </message>
    <message>
        <source>%1 answered HTTP %2.</source>
        <translation>%1 answered HTTP %2.</translation>
    </message>
    <message>
        <source>The server said: %1</source>
        <translation>The server said: %1</translation>
    </message>
    <message>
        <source>%1 stopped with an error: %2</source>
        <translation>%1 stopped with an error: %2</translation>
    </message>
    <message>
        <source>no details</source>
        <translation>no details</translation>
    </message>
    <message>
        <source>Could not reach %1: %2</source>
        <translation>Could not reach %1: %2</translation>
    </message>
    <message>
        <source>%1 closed the connection before the answer was complete.</source>
        <translation>%1 closed the connection before the answer was complete.</translation>
    </message>
    <message>
        <source>%1 lists no models.</source>
        <translation>%1 lists no models.</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Name: give the endpoint a name.</source>
        <translation>Name: give the endpoint a name.</translation>
    </message>
    <message>
        <source>Base URL: an http:// or https:// address is needed, such as https://api.deepseek.com/v1.</source>
        <translation>Base URL: an http:// or https:// address is needed, such as https://api.deepseek.com/v1.</translation>
    </message>
    <message>
        <source>Model: the model's name on that server is needed.</source>
        <translation>Model: the model's name on that server is needed.</translation>
    </message>
    <message>
        <source>API key: DeepSeek's API needs one (platform.deepseek.com).</source>
        <translation>API key: DeepSeek's API needs one (platform.deepseek.com).</translation>
    </message>
    <message>
        <source>Port must be in [1, 65535], got %1.</source>
        <translation>Port must be in [1, 65535], got %1.</translation>
    </message>
    <message>
        <source>API key: required when other computers may connect.</source>
        <translation>API key: required when other computers may connect.</translation>
    </message>
</context>
<context>
    <name>ThinkingSection</name>
    <message>
        <source>Thinking…</source>
        <translation>Thinking…</translation>
    </message>
    <message>
        <source>Thought for %1 s</source>
        <translation>Thought for %1 s</translation>
    </message>
    <message>
        <source>Thoughts</source>
        <translation>Thoughts</translation>
    </message>
    <message>
        <source>Show or hide the model's reasoning</source>
        <translation>Show or hide the model's reasoning</translation>
    </message>
</context>
<context>
    <name>ToolCallsView</name>
    <message>
        <source>Tool call</source>
        <translation>Tool call</translation>
    </message>
    <message>
        <source>Calls tool %1</source>
        <translation>Calls tool %1</translation>
    </message>
</context>
<context>
    <name>WelcomePane</name>
    <message>
        <source>Welcome to Whalesong</source>
        <translation>Welcome to Whalesong</translation>
    </message>
    <message>
        <source>New conversation</source>
        <translation>New conversation</translation>
    </message>
    <message>
        <source>Chat with DeepSeek models on this computer, or through an API. Three ways to begin:</source>
        <translation>Chat with DeepSeek models on this computer, or through an API. Three ways to begin:</translation>
    </message>
    <message>
        <source>Try the demo model</source>
        <translation>Try the demo model</translation>
    </message>
    <message>
        <source>A small model built into Whalesong, with random weights: its answers are meaningless text, but you can see everything work — streaming, saving, search, export. Nothing to download.</source>
        <translation>A small model built into Whalesong, with random weights: its answers are meaningless text, but you can see everything work — streaming, saving, search, export. Nothing to download.</translation>
    </message>
    <message>
        <source>Use the demo model</source>
        <translation>Use the demo model</translation>
    </message>
    <message>
        <source>Answer with DeepSeek's API</source>
        <translation>Answer with DeepSeek's API</translation>
    </message>
    <message>
        <source>DeepSeek's own service (deepseek-chat, deepseek-reasoner) with your API key, or any OpenAI-compatible server such as SGLang or vLLM — for models too large for one computer.</source>
        <translation>DeepSeek's own service (deepseek-chat, deepseek-reasoner) with your API key, or any OpenAI-compatible server such as SGLang or vLLM — for models too large for one computer.</translation>
    </message>
    <message>
        <source>Set up the API…</source>
        <translation>Set up the API…</translation>
    </message>
    <message>
        <source>Type your message below and press Enter to send it (Shift+Enter for a new line). Settings → This conversation… sets its system prompt and sampling.</source>
        <translation>Type your message below and press Enter to send it (Shift+Enter for a new line). Settings → This conversation… sets its system prompt and sampling.</translation>
    </message>
    <message>
        <source>Download a model</source>
        <translation>Download a model</translation>
    </message>
    <message>
        <source>DeepSeek-V2-Lite, V3, R1 and more from Hugging Face, a mirror or ModelScope (魔搭), with the size of each and whether it fits this computer. Or use a model you already have: a Hugging Face or ModelScope folder, or a GGUF file.</source>
        <translation>DeepSeek-V2-Lite, V3, R1 and more from Hugging Face, a mirror or ModelScope (魔搭), with the size of each and whether it fits this computer. Or use a model you already have: a Hugging Face or ModelScope folder, or a GGUF file.</translation>
    </message>
    <message>
        <source>Download a model…</source>
        <translation>Download a model…</translation>
    </message>
    <message>
        <source>Use a model on this computer…</source>
        <translation>Use a model on this computer…</translation>
    </message>
</context>
</TS>