<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CommandLine</name>
    <message>
        <location filename="../app/command_line.cpp" line="24"/>
        <source>Show this help.</source>
        <translation>显示本帮助。</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="26"/>
        <source>Keep the conversations in DIR (default: the application data folder).</source>
        <translation>把对话保存在 DIR 中（默认：应用数据文件夹）。</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="31"/>
        <source>Write all conversations (or --conversation) as lossless JSON to FILE (- for standard output).</source>
        <translation>把全部对话（或 --conversation 指定的对话）以无损 JSON 写入 FILE（- 表示标准输出）。</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="35"/>
        <source>With --export: only the conversation UUID.</source>
        <translation>与 --export 一起使用：只导出对话 UUID。</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="39"/>
        <source>Import a Whalesong export or ChatGPT&apos;s conversations.json from FILE (all or nothing).</source>
        <translation>从 FILE 导入鲸歌的导出文件或 ChatGPT 的 conversations.json（要么全部导入，要么都不导入）。</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="44"/>
        <source>Search every conversation; one JSON object per match and line.</source>
        <translation>搜索所有对话；每个匹配输出一行 JSON 对象。</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="47"/>
        <source>With --search: at most N matches (50).</source>
        <translation>与 --search 一起使用：最多 N 个匹配（默认 50）。</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="51"/>
        <source>Write the shown branch of conversation UUID as Markdown to the FILE given after it (- for standard output).</source>
        <translation>把对话 UUID 当前显示的分支以 Markdown 写入其后给出的 FILE（- 表示标准输出）。</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="56"/>
        <source>Write the shown branch of conversation UUID as OpenAI chat messages, one JSON object per line, to the FILE given after it.</source>
        <translation>把对话 UUID 当前显示的分支以 OpenAI 聊天消息格式（每行一个 JSON 对象）写入其后给出的 FILE。</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="62"/>
        <source>Whalesong: local chat with DeepSeek-V3-class models.
The data commands below work without opening a window.</source>
        <translation>鲸歌：在本机与 DeepSeek-V3 级模型对话。
下列数据命令无需打开窗口即可使用。</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="69"/>
        <source>The output file of --export-markdown and --export-jsonl.</source>
        <translation>--export-markdown 和 --export-jsonl 的输出文件。</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="100"/>
        <source>%1: cannot write: %2</source>
        <translation>%1：无法写入：%2</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="147"/>
        <source>--%1 and --%2 cannot be used together</source>
        <translation>--%1 和 --%2 不能同时使用</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="159"/>
        <source>--%1 UUID FILE: give one output FILE (- for standard output)</source>
        <translation>--%1 UUID FILE：请给出一个输出文件 FILE（- 表示标准输出）</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="162"/>
        <source>unexpected argument: %1</source>
        <translation>多余的参数：%1</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="164"/>
        <source>--conversation goes with --export</source>
        <translation>--conversation 只能与 --export 一起使用</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="176"/>
        <source>the database could not be read; it was kept as %1 and a new one started</source>
        <translation>数据库无法读取；已另存为 %1，并新建了数据库</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/command_line.cpp" line="179"/>
        <source>%n answer(s) cut short by a crash were marked interrupted</source>
        <translation>
            <numerusform>%n 条因崩溃而中断的回答已标记为“已中断”</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="182"/>
        <source>note: %1</source>
        <translation>提示：%1</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="189"/>
        <source>--conversation: no conversation %1</source>
        <translation>--conversation：没有对话 %1</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="202"/>
        <source>%1: cannot read: %2</source>
        <translation>%1：无法读取：%2</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/command_line.cpp" line="207"/>
        <source>imported %n conversation(s)</source>
        <translation>
            <numerusform>已导入 %n 个对话</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="216"/>
        <source>--limit: expected a positive whole number, not %1</source>
        <translation>--limit：需要一个正整数，而不是 %1</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="233"/>
        <source>--%1: no conversation %2</source>
        <translation>--%1：没有对话 %2</translation>
    </message>
</context>
</TS>
