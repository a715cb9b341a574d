package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ironlocal/ironlocal/emulator/daemon"
)

// Shell completion, built from the command table: each script holds one
// function that maps what was typed ("", "snapshot", "snapshot save") to
// the words that may follow, and falls back to file names.

func completionGroup() *group {
	return &group{name: "completion", about: "shell completion scripts",
		cmds: []*command{{args: "bash|zsh|fish",
			help: "print a completion script: source <(ironlocald completion bash)"}},
		dispatch: runCompletion}
}

func runCompletion(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: ironlocald completion bash|zsh|fish")
		return 2
	}
	var script func(io.Writer, []completionKey)
	switch args[0] {
	case "bash":
		script = bashCompletion
	case "zsh":
		script = zshCompletion
	case "fish":
		script = fishCompletion
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, "usage: ironlocald completion bash|zsh|fish")
		return 0
	default:
		fmt.Fprintf(stderr, "ironlocald completion: unknown shell %q (want bash, zsh or fish)\nusage: ironlocald completion bash|zsh|fish\n", args[0])
		return 2
	}
	script(stdout, completionKeys())
	return 0
}

// completionKey: after the words Typed ("." for none), Words may follow.
type completionKey struct {
	Typed string
	Words []string
}

func completionKeys() []completionKey {
	gs := groups()
	top := completionKey{Typed: "."}
	for _, g := range gs {
		top.Words = append(top.Words, g.name)
	}
	top.Words = append(top.Words, flagNames(func(fs *flag.FlagSet) {
		var c daemon.Config
		c.Register(fs, func(string) string { return "" })
	})...)
	keys := []completionKey{top}
	for _, g := range gs {
		var subs []string
		for _, c := range g.cmds {
			if c.name == "" {
				keys = append(keys, completionKey{Typed: g.name, Words: commandFlags(g, c)})
				continue
			}
			subs = append(subs, c.name)
			keys = append(keys, completionKey{Typed: g.name + " " + c.name, Words: commandFlags(g, c)})
		}
		if len(subs) > 0 {
			keys = append(keys, completionKey{Typed: g.name, Words: subs})
		}
	}
	for i := range keys {
		switch keys[i].Typed {
		case "completion":
			keys[i].Words = []string{"bash", "zsh", "fish"}
		case "help":
			keys[i].Words = top.Words[:len(gs)]
		}
	}
	return keys
}

// commandFlags are the --flags a command takes, its own and the shared ones.
func commandFlags(g *group, c *command) []string {
	return flagNames(func(fs *flag.FlagSet) {
		if g.dispatch == nil {
			registerCommon(fs)
		}
		if c.flags != nil {
			c.flags(fs)
		}
	})
}

func flagNames(register func(*flag.FlagSet)) []string {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	register(fs)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "--"+f.Name) })
	sort.Strings(names)
	return names
}

func bashCompletion(w io.Writer, keys []completionKey) {
	fmt.Fprint(w, `# bash completion for ironlocald: source <(ironlocald completion bash)
_ironlocald_words() {
	case "$1" in
`)
	for _, k := range keys {
		fmt.Fprintf(w, "\t%q) echo %q ;;\n", k.Typed, strings.Join(k.Words, " "))
	}
	fmt.Fprint(w, `	esac
}

_ironlocald() {
	local cur=${COMP_WORDS[COMP_CWORD]} words=""
	if ((COMP_CWORD >= 3)); then
		words=$(_ironlocald_words "${COMP_WORDS[1]} ${COMP_WORDS[2]}")
	fi
	if [[ -z $words ]]; then
		if ((COMP_CWORD >= 2)); then
			words=$(_ironlocald_words "${COMP_WORDS[1]}")
		else
			words=$(_ironlocald_words .)
		fi
	fi
	COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _ironlocald ironlocald
`)
}

func zshCompletion(w io.Writer, keys []completionKey) {
	fmt.Fprint(w, `#compdef ironlocald
# zsh completion for ironlocald: source <(ironlocald completion zsh) after compinit,
# or save it as _ironlocald in a directory of $fpath.
_ironlocald_words() {
	case "$1" in
`)
	for _, k := range keys {
		fmt.Fprintf(w, "\t%q) echo %q ;;\n", k.Typed, strings.Join(k.Words, " "))
	}
	fmt.Fprint(w, `	esac
}

_ironlocald() {
	local w=""
	local -a c
	if ((CURRENT >= 4)); then
		w=$(_ironlocald_words "${words[2]} ${words[3]}")
	fi
	if [[ -z $w ]]; then
		if ((CURRENT >= 3)); then
			w=$(_ironlocald_words "${words[2]}")
		else
			w=$(_ironlocald_words .)
		fi
	fi
	c=(${=w})
	compadd -a c || _files
}
compdef _ironlocald ironlocald
`)
}

func fishCompletion(w io.Writer, keys []completionKey) {
	fmt.Fprint(w, `# fish completion for ironlocald: ironlocald completion fish | source
function __ironlocald_words
	switch "$argv[1]"
`)
	for _, k := range keys {
		fmt.Fprintf(w, "\t\tcase %q\n\t\t\tstring split ' ' -- %q\n", k.Typed, strings.Join(k.Words, " "))
	}
	fmt.Fprint(w, `	end
end

function __ironlocald_complete
	set -l t (commandline -opc)
	set -l w
	if test (count $t) -ge 3
		set w (__ironlocald_words "$t[2] $t[3]")
	end
	if test (count $w) -eq 0
		if test (count $t) -ge 2
			set w (__ironlocald_words "$t[2]")
		else
			set w (__ironlocald_words .)
		end
	end
	string join \n -- $w
end
complete -c ironlocald -a '(__ironlocald_complete)'
`)
}
