#!/usr/bin/env python3
"""Writes partmand(1) in troff (man macros) from the command tree the binary describes itself.

    partmand --experimental-dump-help | scripts/lib/manpage.py VERSION DATE > partmand.1

swift-argument-parser's generate-manual plugin does the same but needs a package plugin dependency;
this reads the same JSON (`--experimental-dump-help`), so every command, option, default and
discussion in the page is the one `--help` shows, and nothing is maintained by hand except the
sections after COMMANDS. Used by scripts/package-deb.
"""

import json
import sys


def esc(text: str) -> str:
    """Escapes text for troff; a line starting with . or ' would be a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def paragraphs(text: str) -> str:
    out = []
    for para in text.strip().split("\n\n"):
        out.append(".PP\n" + esc(" ".join(line.strip() for line in para.split("\n"))))
    return "\n".join(out)


def option_label(arg: dict) -> str:
    names = []
    for name in arg.get("names", []):
        prefix = "-" if name["kind"] == "short" else "--"
        names.append(f"\\fB{esc(prefix + name['name'])}\\fR")
    label = ", ".join(names)
    if arg["kind"] == "option":
        label += f" \\fI{esc(arg.get('valueName', 'value'))}\\fR"
    elif arg["kind"] == "positional":
        label = f"\\fI{esc(arg.get('valueName', 'value'))}\\fR"
    if arg.get("isRepeating"):
        label += " ..."
    return label


def option_help(arg: dict) -> str:
    text = arg.get("abstract", "")
    if arg.get("discussion"):
        text += " " + arg["discussion"]
    if arg.get("allValues") and not all(value in text for value in arg["allValues"]):
        text += " Values: " + ", ".join(arg["allValues"]) + "."
    if arg.get("defaultValue") is not None and "default" not in text.lower():
        text += f" Default: {arg['defaultValue']}."
    return esc(text.strip())


def synopsis(path: list, command: dict) -> str:
    parts = [f"\\fB{esc(' '.join(path))}\\fR"]
    for arg in command.get("arguments", []):
        if not arg.get("shouldDisplay", True):
            continue
        name = arg.get("preferredName")
        if arg["kind"] == "positional":
            item = f"\\fI{esc(arg.get('valueName', 'value'))}\\fR"
        elif name and name["name"] in ("help", "version"):
            continue
        else:
            item = f"\\fB{esc(('-' if name['kind'] == 'short' else '--') + name['name'])}\\fR"
            if arg["kind"] == "option":
                item += f" \\fI{esc(arg.get('valueName', 'value'))}\\fR"
        if arg.get("isRepeating"):
            item += " ..."
        parts.append(f"[{item}]" if arg.get("isOptional") else item)
    return " ".join(parts)


def commands(path: list, command: dict, out: list) -> None:
    for sub in command.get("subcommands", []):
        if not sub.get("shouldDisplay", True) or sub["commandName"] == "help":
            continue
        sub_path = path + [sub["commandName"]]
        if sub.get("subcommands"):
            commands(sub_path, sub, out)
            continue
        out.append(f".SS {esc(' '.join(sub_path[1:]))}")
        out.append(synopsis(sub_path, sub))
        out.append(paragraphs(sub.get("abstract", "")))
        if sub.get("discussion"):
            out.append(paragraphs(sub["discussion"]))
        for arg in sub.get("arguments", []):
            if not arg.get("shouldDisplay", True):
                continue
            if arg.get("preferredName", {}).get("name") in ("help", "version"):
                continue
            out.append(".TP")
            out.append(option_label(arg))
            out.append(option_help(arg))


TAIL = r"""
.SH ENVIRONMENT
.TP
\fBPARTMAND_CONFIG\fR
The configuration file when \fB\-\-config\fR is not given (else /etc/partmand/partmand.yaml).
.TP
\fBPARTMAND_DATABASE_URL\fR
Replaces the configuration's connection (a postgres:// URL or a libpq conninfo string).
.TP
\fBPARTMAND_NOW\fR
The instant one\-shot commands treat as now (ISO 8601); \fBpartmand run\fR ignores it.
.TP
\fBPGHOST\fR, \fBPGUSER\fR, \fBPGPASSFILE\fR, \fBPGSERVICE\fR, ...
Read by libpq, as by psql.
.TP
\fBCREDENTIALS_DIRECTORY\fR
Under systemd: \fI$CREDENTIALS_DIRECTORY/pgpass\fR (LoadCredential=pgpass:/etc/partmand/pgpass) is
used as PGPASSFILE when PGPASSFILE is not set.
.SH FILES
.TP
/etc/partmand/partmand.yaml
The configuration (every key: /usr/share/doc/partmand/docs/configuration.md).
.TP
/etc/partmand/pgpass
The password file the systemd unit hands over (mode 0600; host:port:database:user:password).
.TP
/lib/systemd/system/partmand.service
The service: \fBsystemctl enable \-\-now partmand\fR after editing the configuration.
.SH EXIT STATUS
0 success; 1 some table failed (or a retirement was refused); 64 bad command line; 69 database
unreachable; 78 bad configuration. \fBpartmand health\fR uses the Nagios statuses 0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN. Every command's statuses: /usr/share/doc/partmand/docs/operations.md.
.SH SEE ALSO
\fBsystemctl\fR(1), \fBjournalctl\fR(1), \fBpsql\fR(1), /usr/share/doc/partmand/
"""


def main() -> None:
    version, date = sys.argv[1], sys.argv[2]
    root = json.load(sys.stdin)["command"]
    name = root["commandName"]
    out = [
        f'.TH {name.upper()} 1 "{date}" "{name} {esc(version)}" "User Commands"',
        ".SH NAME",
        f"{name} \\- {esc(root.get('abstract', '').rstrip('.'))}",
        ".SH SYNOPSIS",
        f"\\fB{name}\\fR \\fIcommand\\fR [\\fIoptions\\fR]",
        ".br",
        f"\\fB{name} \\-\\-version\\fR",
        ".SH DESCRIPTION",
        paragraphs(root.get("discussion", "")),
        ".SH COMMANDS",
        ".PP",
        f"Every command takes \\fB\\-\\-help\\fR; \\fB{name} help\\fR \\fIcommand\\fR prints the same.",
    ]
    commands([name], root, out)
    print("\n".join(out) + TAIL, end="")


if __name__ == "__main__":
    main()
