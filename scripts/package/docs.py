#!/usr/bin/env python3
"""Writes the package's generated documents from their sources, so they cannot drift:

  crawlbox.1           every subcommand's --help of the built program, exit codes, files;
  crawlbox-job.5       the job keys: the README's "Job files" reference table;
  crawlbox.bash        bash completion of subcommands and their flags (from --help).

  changelog.gz         the Debian changelog, when --changelog TEMPLATE DATE is given.

Usage: docs.py CRAWLBOX_BINARY README.md VERSION OUT_DIR [--changelog TEMPLATE DATE]
"""
import datetime
import gzip
import os
import re
import subprocess
import sys


def run_help(binary, *args):
    return subprocess.run([binary, *args, "--help"], check=True, capture_output=True,
                          text=True).stdout


def subcommands(top_help):
    names, in_list = [], False
    for line in top_help.splitlines():
        if line.startswith("Subcommands:"):
            in_list = True
            continue
        if in_list:
            m = re.match(r"^  ([a-z][a-z-]*)\s", line)
            if m:
                names.append(m.group(1))
            elif line.strip() and not line.startswith("   "):
                break
    return names


def flags(help_text):
    """The long and short options a --help lists (CLI11: '  -q,--quiet  ...')."""
    found = []
    for line in help_text.splitlines():
        m = re.match(r"^  (-[^\s]+)", line)
        if m:
            for name in m.group(1).split(","):
                if name.startswith("-") and name not in found:
                    found.append(name)
    return found


def roff_text(text):
    """Plain text safe in roff: backslashes doubled, leading dots and quotes guarded."""
    text = text.replace("\\", "\\e")
    return "\n".join(("\\&" + l) if l.startswith((".", "'")) else l
                     for l in text.splitlines())


def inline_markdown(text):
    """README table cell -> roff inline: `code` bold, **x** bold, [t](link) -> t."""
    text = text.replace("\\|", "|")
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for p in parts:
        if p.startswith("`") and p.endswith("`") and len(p) >= 2:
            out.append("\\fB" + p[1:-1].replace("\\", "\\e") + "\\fR")
        else:
            p = p.replace("\\", "\\e")
            p = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", p)
            out.append(p)
    line = "".join(out)
    return ("\\&" + line) if line.startswith((".", "'")) else line


def job_reference(readme):
    """Rows (key, type, default, meaning) of the table under '### Reference' in 'Job files'."""
    lines = readme.splitlines()
    start = next(i for i, l in enumerate(lines)
                 if l.strip() == "### Reference" and any(
                     h.startswith("## Job files") for h in lines[:i]))
    rows = []
    for l in lines[start + 1:]:
        if l.startswith("## "):
            break
        if not l.startswith("| `"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", l)[1:-1]]
        if len(cells) >= 4:
            rows.append(cells[:4])
    return rows


def header(name, section, date, version, title):
    return (f'.TH {name.upper()} {section} "{date}" "crawlbox {version}" "{title}"\n')


def man1(binary, version, date, names):
    top = run_help(binary)
    out = [header("crawlbox", 1, date, version, "User Commands"),
           ".SH NAME\ncrawlbox \\- crawl jobs described in TOML files, records into SQLite\n",
           ".SH SYNOPSIS\n.B crawlbox\n[\\fB\\-v\\fR] \\fISUBCOMMAND\\fR [\\fIOPTIONS\\fR] ...\n",
           ".SH DESCRIPTION\ncrawlbox fetches the pages a job file describes (start points, scope, "
           "limits, politeness, rules), turns responses into records with its rules and keeps "
           "pages, records and the frontier in one SQLite database. A status page with a JSON "
           "API and /metrics shows a running crawl. With Redis, one master and any number of "
           "workers crawl one job together.\n.PP\nThe job file's keys are in "
           "\\fBcrawlbox-job\\fR(5).\n",
           ".SH OPTIONS\n.nf\n" + roff_text(top) + "\n.fi\n",
           ".SH SUBCOMMANDS\n"]
    for name in names:
        out.append(f".SS {name}\n.nf\n" + roff_text(run_help(binary, name)) + "\n.fi\n")
    out.append(".SH EXIT STATUS\n.TP\n0\nsuccess\n.TP\n1\nthe work could not be done "
               "(database, network, I/O, a lost Redis)\n.TP\n2\nbad input: a job file, "
               "arguments, or SQL (including SQL that would write: \\fBquery\\fR opens the "
               "database read-only)\n.TP\n130\na crawl stopped by SIGINT or SIGTERM; run it "
               "again to resume\n")
    out.append(".SH FILES\n.TP\n\\fIjob\\fB.db\\fR\nthe database a job names "
               "(\\fBjob.database\\fR) or \\fB\\-\\-db\\fR gives; with \\fB\\-wal\\fR and "
               "\\fB\\-shm\\fR beside it while a crawl runs\n.TP\n\\fIjob\\fB.db-warc/\\fR\n"
               "WARC files and their CDXJ indexes, when \\fB[store] warc\\fR is on\n.TP\n"
               "/usr/share/doc/crawlbox/examples/\nexample jobs\n.TP\n/etc/crawlbox/\n"
               "job files and Redis URL files of the systemd units "
               "\\fBcrawlbox-master@.service\\fR and \\fBcrawlbox-worker@.service\\fR\n")
    out.append(".SH ENVIRONMENT\n.TP\nCRAWLBOX_REDIS_PASSWORD\nthe Redis password of "
               "\\fBmaster\\fR and \\fBworker\\fR when neither the URL nor "
               "\\fB\\-\\-redis\\-password\\-file\\fR gives one\n"
               ".TP\n\\fINAME\\fR\nany variable a job file names as \\fB${NAME}\\fR\n")
    out.append(".SH SEE ALSO\n\\fBcrawlbox-job\\fR(5), \\fBsqlite3\\fR(1)\n")
    return "".join(out)


def man5(readme, version, date):
    out = [header("crawlbox-job", 5, date, version, "File Formats"),
           ".SH NAME\ncrawlbox-job \\- the TOML job files of crawlbox\n",
           ".SH DESCRIPTION\nA job file is TOML. Tables group the keys (\\fB[job]\\fR, "
           "\\fB[fetch]\\fR, \\fB[politeness]\\fR, \\fB[[rules]]\\fR ...); a key is written "
           "below as \\fItable\\fB.\\fIkey\\fR. \\fBcrawlbox check\\fR \\fIJOB\\fR lists every "
           "problem of a file with its line, and exits 2. Unknown keys are problems too.\n",
           ".SH KEYS\n"]
    for key, kind, default, meaning in job_reference(readme):
        out.append(".TP\n" + inline_markdown(key) + "\n")
        detail = inline_markdown(kind)
        if default:
            detail += "; default " + inline_markdown(default)
        out.append(detail + ".\n" + inline_markdown(meaning) + "\n")
    out.append(".SH SEE ALSO\n\\fBcrawlbox\\fR(1)\n")
    return "".join(out)


def completion(binary, names):
    cases = []
    for name in names:
        cases.append(f"    {name}) opts=\"{' '.join(flags(run_help(binary, name)))}\" ;;")
    return f"""# bash completion for crawlbox (generated from its --help)
_crawlbox() {{
  local cur sub="" i opts
  cur="${{COMP_WORDS[COMP_CWORD]}}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${{COMP_WORDS[i]}}" in
      -*) ;;
      *) sub="${{COMP_WORDS[i]}}"; break ;;
    esac
  done
  if [ -z "$sub" ]; then
    COMPREPLY=($(compgen -W "{' '.join(names)} {' '.join(flags(run_help(binary)))}" -- "$cur"))
    return
  fi
  case "$sub" in
{chr(10).join(cases)}
    *) opts="" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
complete -o filenames -F _crawlbox crawlbox
"""


def write_gz(path, text):
    # mtime 0 and no name: the same input gives the same bytes (lintian wants gzip -n).
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(text.encode())


def main():
    binary, readme_path, version, out_dir = sys.argv[1:5]
    os.makedirs(out_dir, exist_ok=True)
    with open(readme_path, encoding="utf-8") as f:
        readme = f.read()
    date = datetime.datetime.utcfromtimestamp(
        int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or
        int(datetime.datetime.now(datetime.timezone.utc).timestamp())).strftime("%Y-%m-%d")
    names = subcommands(run_help(binary))
    if not names:
        sys.exit("docs.py: no subcommands in crawlbox --help")
    write_gz(os.path.join(out_dir, "crawlbox.1.gz"), man1(binary, version, date, names))
    write_gz(os.path.join(out_dir, "crawlbox-job.5.gz"), man5(readme, version, date))
    with open(os.path.join(out_dir, "crawlbox.bash"), "w") as f:
        f.write(completion(binary, names))
    if len(sys.argv) >= 8 and sys.argv[5] == "--changelog":
        with open(sys.argv[6], encoding="utf-8") as f:
            text = f.read().replace("@VERSION@", version).replace("@DATE@", sys.argv[7])
        write_gz(os.path.join(out_dir, "changelog.gz"), text)


if __name__ == "__main__":
    main()
