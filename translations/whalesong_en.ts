<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>CommandLine</name>
    <message>
        <location filename="../app/command_line.cpp" line="24"/>
        <source>Show this help.</source>
        <translation>Show this help.</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="26"/>
        <source>Keep the conversations in DIR (default: the application data folder).</source>
        <translation>Keep the conversations in DIR (default: the application data folder).</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="31"/>
        <source>Write all conversations (or --conversation) as lossless JSON to FILE (- for standard output).</source>
        <translation>Write all conversations (or --conversation) as lossless JSON to FILE (- for standard output).</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="35"/>
        <source>With --export: only the conversation UUID.</source>
        <translation>With --export: only the conversation UUID.</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="39"/>
        <source>Import a Whalesong export or ChatGPT&apos;s conversations.json from FILE (all or nothing).</source>
        <translation>Import a Whalesong export or ChatGPT&apos;s conversations.json from FILE (all or nothing).</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="44"/>
        <source>Search every conversation; one JSON object per match and line.</source>
        <translation>Search every conversation; one JSON object per match and line.</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="47"/>
        <source>With --search: at most N matches (50).</source>
        <translation>With --search: at most N matches (50).</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="51"/>
        <source>Write the shown branch of conversation UUID as Markdown to the FILE given after it (- for standard output).</source>
        <translation>Write the shown branch of conversation UUID as Markdown to the FILE given after it (- for standard output).</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="56"/>
        <source>Write the shown branch of conversation UUID as OpenAI chat messages, one JSON object per line, to the FILE given after it.</source>
        <translation>Write the shown branch of conversation UUID as OpenAI chat messages, one JSON object per line, to the FILE given after it.</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="62"/>
        <source>Whalesong: local chat with DeepSeek-V3-class models.
The data commands below work without opening a window.</source>
        <translation>Whalesong: local chat with DeepSeek-V3-class models.
The data commands below work without opening a window.</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="69"/>
        <source>The output file of --export-markdown and --export-jsonl.</source>
        <translation>The output file of --export-markdown and --export-jsonl.</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="100"/>
        <source>%1: cannot write: %2</source>
        <translation>%1: cannot write: %2</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="147"/>
        <source>--%1 and --%2 cannot be used together</source>
        <translation>--%1 and --%2 cannot be used together</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="159"/>
        <source>--%1 UUID FILE: give one output FILE (- for standard output)</source>
        <translation>--%1 UUID FILE: give one output FILE (- for standard output)</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="162"/>
        <source>unexpected argument: %1</source>
        <translation>unexpected argument: %1</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="164"/>
        <source>--conversation goes with --export</source>
        <translation>--conversation goes with --export</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="176"/>
        <source>the database could not be read; it was kept as %1 and a new one started</source>
        <translation>the database could not be read; it was kept as %1 and a new one started</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/command_line.cpp" line="179"/>
        <source>%n answer(s) cut short by a crash were marked interrupted</source>
        <translation>
            <numerusform>%n answer cut short by a crash was marked interrupted</numerusform>
            <numerusform>%n answers cut short by a crash were marked interrupted</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="182"/>
        <source>note: %1</source>
        <translation>note: %1</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="189"/>
        <source>--conversation: no conversation %1</source>
        <translation>--conversation: no conversation %1</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="202"/>
        <source>%1: cannot read: %2</source>
        <translation>%1: cannot read: %2</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/command_line.cpp" line="207"/>
        <source>imported %n conversation(s)</source>
        <translation>
            <numerusform>imported %n conversation</numerusform>
            <numerusform>imported %n conversations</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="216"/>
        <source>--limit: expected a positive whole number, not %1</source>
        <translation>--limit: expected a positive whole number, not %1</translation>
    </message>
    <message>
        <location filename="../app/command_line.cpp" line="233"/>
        <source>--%1: no conversation %2</source>
        <translation>--%1: no conversation %2</translation>
    </message>
</context>
</TS>
