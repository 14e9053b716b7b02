#!/usr/bin/env python3
"""Write swiftrun's man pages, swiftrun(8) and swiftrun-VERB(8), in man(7) format.

The synopsis, arguments and options come from the binary itself
(`swiftrun --experimental-dump-help`, the verb table the CLI
parses with, Sources/swiftrun/CLI.swift), so a flag cannot be added to the CLI without appearing in its
page. The prose (description, exit status, environment, files, examples) is
hand-written in Docs/man/<page>.txt, in the small markup described in
Docs/man/README.md. A page source that leaves out a hidden (runc
compatibility) option, or a verb without a page source, is an error.

    mk/manpages.py --binary .build/release/swiftrun --src Docs/man --out DIR \
                   [--version 0.1.0] [--date 2025-01-31]
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys

# Extra sections, in the order they appear after the generated ones.
PROSE_ORDER = ["EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "NOTES"]
KNOWN = {"NAME", "DESCRIPTION", "COMMANDS", "OPTIONS", "SEE ALSO"} | set(PROSE_ORDER)
HELP_NAMES = {"help"}  # -h/--help, documented on every page


# ---------------------------------------------------------------- roff text

def esc(text):
    """Plain text to roff: backslashes, and hyphens in options are minus signs."""
    return text.replace("\\", "\\e").replace("-", "\\-")


def esc_prose(text):
    """Prose: keep hyphens in words, escape backslashes."""
    return text.replace("\\", "\\e")


def inline(text):
    """`code` -> bold (literal, minus signs), _word_ -> italic; the rest as prose."""
    out = []
    for i, part in enumerate(re.split(r"`([^`]*)`", text)):
        if i % 2:
            out.append("\\fB" + esc(part) + "\\fR")
        else:
            part = esc_prose(part)
            part = re.sub(r"(?<![\w\\])_([^_\s][^_]*?)_(?!\w)", r"\\fI\1\\fR", part)
            out.append(part)
    return "".join(out)


def line(text):
    """A text line: no leading control character, no trailing space."""
    text = text.rstrip()
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


# ---------------------------------------------------------------- page sources

def parse_source(path):
    """Docs/man/<page>.txt -> {SECTION: [lines]}; `# NAME` starts a section."""
    sections, current = {}, None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            m = re.match(r"^# (.+)$", raw)
            if m:
                current = m.group(1).strip().upper()
                if current not in KNOWN:
                    sys.exit("%s: unknown section %r" % (path, current))
                sections[current] = []
            elif current is not None:
                sections[current].append(raw)
            elif raw.strip() and not raw.startswith("%"):
                sys.exit("%s: text before the first section: %r" % (path, raw))
    return sections


def render_prose(lines, common):
    """Blocks separated by blank lines: paragraphs, `* term` items (.TP), and
    4-space-indented literal blocks. `@common SECTION` inserts that section of
    Docs/man/common.txt."""
    expanded = []
    for l in lines:
        m = re.match(r"^@common (.+)$", l)
        if m:
            name = m.group(1).strip().upper()
            if name not in common:
                sys.exit("@common %s: no such section in common.txt" % name)
            expanded += [""] + common[name] + [""]
        else:
            expanded.append(l)
    out, para, mode = [], [], None

    def flush():
        nonlocal para, mode
        if not para:
            mode = None
            return
        if mode == "literal":
            out.append(".PP")
            out.append(".RS 4")
            out.append(".nf")
            for l in para:
                out.append(line(esc(l[4:])))
            out.append(".fi")
            out.append(".RE")
        elif mode == "item":
            out.append(".TP")
            out.append(line(inline(para[0][2:])))
            for l in para[1:]:
                out.append(line(inline(l.strip())))
        else:
            out.append(".PP")
            for l in para:
                out.append(line(inline(l.strip())))
        para, mode = [], None

    for l in expanded:
        if not l.strip():
            flush()
            continue
        kind = "literal" if l.startswith("    ") else "item" if l.startswith("* ") else "text"
        if mode == "literal" and kind != "literal":
            flush()
        if kind == "item":
            flush()
            mode = "item"
        elif mode is None:
            mode = kind
        para.append(l)
    flush()
    return out


# ---------------------------------------------------------------- arguments

def flag_names(arg):
    names = []
    for n in arg.get("names", []):
        names.append(("-" if n["kind"] in ("short", "longWithSingleDash") else "--") + n["name"])
    return sorted(names, key=lambda s: (s.startswith("--"), s))


def is_help(arg):
    return arg["kind"] == "flag" and bool({n["name"] for n in arg.get("names", [])} & HELP_NAMES)


def option_item(arg):
    names = ", ".join("\\fB%s\\fR" % esc(n) for n in flag_names(arg))
    if arg["kind"] == "option":
        names += " \\fI%s\\fR" % esc(arg.get("valueName", "value"))
    text = inline(arg.get("abstract", "").strip())
    extra = []
    default = arg.get("defaultValue")
    if default not in (None, "") and "default" not in arg.get("abstract", "").lower():
        extra.append("Default: \\fB%s\\fR." % esc(default))
    if arg.get("isRepeating") and arg["kind"] == "option":
        extra.append("May be given more than once.")
    if arg.get("allValues"):
        extra.append("One of: %s." % ", ".join("\\fB%s\\fR" % esc(v) for v in arg["allValues"]))
    body = " ".join([text] + extra).strip()
    return [".TP", line(names), line(body)]


def positional_item(arg):
    name = "\\fI%s\\fR" % esc(arg["valueName"]) + ("..." if arg.get("isRepeating") else "")
    body = inline(arg.get("abstract", "").strip())
    if arg.get("defaultValue"):
        body += " Default: \\fB%s\\fR." % esc(arg["defaultValue"])
    return [".TP", line(name), line(body)]


def synopsis_piece(arg):
    if arg["kind"] == "positional":
        s = "\\fI%s\\fR" % esc(arg["valueName"]) + ("..." if arg.get("isRepeating") else "")
        return s if not arg.get("isOptional") else "[" + s + "]"
    name = esc(flag_names(arg)[0])
    s = "\\fB%s\\fR" % name
    if arg["kind"] == "option":
        s += " \\fI%s\\fR" % esc(arg.get("valueName", "value"))
    return "[" + s + "]"


# ---------------------------------------------------------------- pages

def header(title, version, date):
    return [
        '.\\" Generated by mk/manpages.py from `swiftrun --experimental-dump-help`',
        '.\\" and Docs/man/*.txt; edit those, not this file.',
        '.TH %s 8 "%s" "swiftrun %s" "System Manager\'s Manual"' % (esc(title.upper()), date, esc(version)),
        ".nh",
        ".ad l",
    ]


def summary(src, abstract):
    """The NAME line's text: the page's own NAME, else the abstract as man
    pages write it (lower case first word, no final period)."""
    text = " ".join(l.strip() for l in src.get("NAME", []) if l.strip()) or abstract.strip()
    text = text.rstrip(".")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return esc_prose(text)


def hidden_check(page, args, text):
    for a in args:
        if a.get("shouldDisplay", True) or a["kind"] == "positional":
            continue
        for n in flag_names(a):
            if n not in text:
                sys.exit("Docs/man/%s.txt: hidden option %s is accepted but not documented" % (page, n))


def root_page(root, src, common, version, date):
    verbs = [s for s in root["subcommands"] if s["commandName"] not in HELP_NAMES]
    args = root["arguments"]
    out = header("swiftrun", version, date)
    out += [".SH NAME", "swiftrun \\- " + summary(src, root["abstract"])]
    out += [".SH SYNOPSIS", ".B swiftrun", "[\\fIglobal options\\fR]", "\\fIcommand\\fR",
            "[\\fIcommand options\\fR] [\\fIarguments\\fR]"]
    out += [".SH DESCRIPTION"] + render_prose(src.get("DESCRIPTION", []), common)
    out += [".SH GLOBAL OPTIONS"]
    for a in args:
        if a.get("shouldDisplay", True) and not is_help(a):
            out += option_item(a)
    out += [".TP", "\\fB\\-h\\fR, \\fB\\-\\-help\\fR", "Show help information and exit."]
    out += render_prose(src.get("OPTIONS", []), common)
    out += [".SH COMMANDS"]
    for v in verbs:
        out += [".TP", "\\fB%s\\fR" % esc(v["commandName"]),
                line(inline(v.get("abstract", "")) + " See"),
                ".BR swiftrun\\-%s (8)." % esc(v["commandName"])]
    out += [".TP", "\\fBhelp\\fR [\\fIcommand\\fR]",
            "Show the help of swiftrun or of one command (the same as \\fB\\-\\-help\\fR)."]
    out += render_prose(src.get("COMMANDS", []), common)
    out += prose_sections(src, common)
    refs = ["swiftrun-%s" % v["commandName"] for v in verbs]
    out += see_also(refs, src, common)
    hidden_check("swiftrun", args, "\n".join(sum(src.values(), [])))
    return "\n".join(out) + "\n"


def verb_page(root, cmd, src, common, version, date):
    verb = cmd["commandName"]
    page = "swiftrun-" + verb
    global_names = {tuple(flag_names(a)) for a in root["arguments"]}
    args = cmd.get("arguments", [])
    positionals = [a for a in args if a["kind"] == "positional"]
    own = [a for a in args if a["kind"] != "positional" and tuple(flag_names(a)) not in global_names
           and not is_help(a)]
    globals_ = [a for a in args if tuple(flag_names(a)) in global_names and not is_help(a)]

    out = header(page, version, date)
    out += [".SH NAME", "%s \\- %s" % (esc(page), summary(src, cmd.get("abstract", "")))]
    out += [".SH SYNOPSIS", ".B swiftrun", "[\\fIglobal options\\fR]", ".B %s" % esc(verb)]
    out += [line(synopsis_piece(a)) for a in own if a.get("shouldDisplay", True)]
    out += [line(synopsis_piece(a)) for a in positionals]
    out += [".SH DESCRIPTION"] + render_prose(src.get("DESCRIPTION", [cmd.get("abstract", "")]), common)
    if positionals:
        out += [".SH ARGUMENTS"]
        for a in positionals:
            out += positional_item(a)
    out += [".SH OPTIONS"]
    for a in own:
        if a.get("shouldDisplay", True):
            out += option_item(a)
    out += [".TP", "\\fB\\-h\\fR, \\fB\\-\\-help\\fR", "Show help information and exit."]
    out += render_prose(src.get("OPTIONS", []), common)
    # A verb whose trailing arguments are passed through (exec's command, ps's options) takes
    # the global options only before its name; the others accept them after it too.
    passthrough = any(a.get("parsingStrategy") == "allRemainingInput" for a in positionals)
    where = (" (not after it)" if passthrough else "; they are also accepted after it")
    out += [".SH GLOBAL OPTIONS",
            ".PP",
            "As with runc, the global options come before \\fB%s\\fR%s." % (esc(verb), where),
            "See",
            ".BR swiftrun (8)."]
    for a in globals_:
        if a.get("shouldDisplay", True):
            out += option_item(a)
    out += prose_sections(src, common)
    out += see_also(["swiftrun"], src, common)
    hidden_check(page, [a for a in args if tuple(flag_names(a)) not in global_names],
                 "\n".join(sum(src.values(), [])))
    return "\n".join(out) + "\n"


def prose_sections(src, common):
    out = []
    for name in PROSE_ORDER:
        if name in src:
            out += [".SH " + name] + render_prose(src[name], common)
        elif name != "NOTES" and name in common:
            out += [".SH " + name] + render_prose(common[name], common)
    return out


def see_also(refs, src, common):
    extra = [r.strip() for l in src.get("SEE ALSO", []) for r in l.split(",") if r.strip()]
    items = []
    for r in refs + extra:
        m = re.match(r"^([\w.+-]+)\((\w+)\)$", r) or re.match(r"^([\w.+-]+)$", r)
        name, sec = m.group(1), (m.group(2) if m.lastindex == 2 else "8")
        items.append((name, sec))
    out = [".SH SEE ALSO"]
    for i, (name, sec) in enumerate(items):
        out.append(".BR %s (%s)%s" % (esc(name), sec, "," if i < len(items) - 1 else ""))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", help="swiftrun binary to ask for --experimental-dump-help")
    ap.add_argument("--dump", help="or: a file with that JSON")
    ap.add_argument("--src", required=True, help="Docs/man")
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", help="for the page footer (default: from BINARY --version)")
    ap.add_argument("--date", help="YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else today)")
    o = ap.parse_args()

    if o.dump:
        with open(o.dump, encoding="utf-8") as f:
            info = json.load(f)
    elif o.binary:
        info = json.loads(subprocess.run([o.binary, "--experimental-dump-help"], check=True,
                                         capture_output=True, text=True).stdout)
    else:
        sys.exit("--binary or --dump is required")
    version = o.version
    if not version and o.binary:
        first = subprocess.run([o.binary, "--version"], check=True, capture_output=True,
                               text=True).stdout.splitlines()[0]
        version = first.rsplit(" ", 1)[-1]
    version = version or "unknown"
    date = o.date
    if not date:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        when = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
                else datetime.datetime.now(datetime.timezone.utc))
        date = when.strftime("%Y-%m-%d")

    root = info["command"]
    common = parse_source(os.path.join(o.src, "common.txt"))
    os.makedirs(o.out, exist_ok=True)
    pages = {"swiftrun": root_page(root, parse_source(os.path.join(o.src, "swiftrun.txt")),
                                   common, version, date)}
    for cmd in root["subcommands"]:
        verb = cmd["commandName"]
        if verb in HELP_NAMES:
            continue
        path = os.path.join(o.src, verb + ".txt")
        if not os.path.exists(path):
            sys.exit("%s: missing: every verb needs a page source (the verb %s exists)" % (path, verb))
        pages["swiftrun-" + verb] = verb_page(root, cmd, parse_source(path), common, version, date)
    verbs = {c["commandName"] for c in root["subcommands"]}
    for f in sorted(os.listdir(o.src)):
        stem = f[:-4]
        if f.endswith(".txt") and stem not in ("common", "swiftrun") and stem not in verbs:
            sys.exit("%s: there is no verb %r (make install derives the page list from these files)"
                     % (os.path.join(o.src, f), stem))
    for name, text in pages.items():
        with open(os.path.join(o.out, name + ".8"), "w", encoding="utf-8") as f:
            f.write(text)
    print("manpages: %d pages in %s" % (len(pages), o.out))


if __name__ == "__main__":
    main()
