# shellcheck shell=bash
# scripts/dev/conf.sh: writing generated files: write_if_changed, render
# (literal replacements in the deployment files of conf/) and template
# (the @VAR@ templates of conf/dev/).
# Sourced by ./dev (docs/internals.md "./dev: one file per service").

# write_if_changed FILE: stdin to FILE unless it already has that content.
# Returns 0 when FILE changed.
write_if_changed() {
	local tmp=$1.new
	cat >"$tmp"
	if [ -f "$1" ] && cmp -s "$tmp" "$1"; then
		rm -f "$tmp"
		return 1
	fi
	mv -f "$tmp" "$1"
}

# sed_repl STRING: STRING escaped for the right-hand side of s|...|...|
sed_repl() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }
sed_pat() { printf '%s' "$1" | sed -e 's/[]\\.*^$[|]/\\&/g'; }

# render SRC DST FROM TO [FROM TO]...: SRC with every FROM replaced by TO
# (literal strings), to DST when changed; dies when a FROM is not in SRC,
# so conf/ and ./dev cannot drift apart silently. Returns 0 when changed.
render() {
	local src=$1 dst=$2 expr=()
	shift 2
	[ -f "$src" ] || die "missing $src"
	while [ $# -ge 2 ]; do
		grep -qF -- "$1" "$src" || die "$src no longer contains '$1' (./dev substitutes it)"
		expr+=(-e "s|$(sed_pat "$1")|$(sed_repl "$2")|g")
		shift 2
	done
	sed "${expr[@]}" "$src" | write_if_changed "$dst"
}

# template NAME DST: conf/dev/NAME with every @VAR@ replaced by the value
# of the shell variable VAR (set_env's names: @MY_SOCK@, @DEV_DB_PORT@,
# ...) and without its "##" lines (notes on the template itself), to DST
# when changed; DST "-" writes to stdout. Dies on a placeholder that names
# no set variable, so a template and ./dev cannot drift apart silently.
# Returns 0 when DST changed (always for "-").
template() {
	local src=$REPO/conf/dev/$1 dst=$2 v expr=(-e '/^##/d')
	[ -f "$src" ] || die "missing $src"
	for v in $(sed -e '/^##/d' "$src" | grep -o '@[A-Za-z_][A-Za-z0-9_]*@' |
		tr -d @ | sort -u); do
		[ -n "${!v+set}" ] || die "$src: no value for @$v@ (./dev has no variable $v)"
		expr+=(-e "s|@$v@|$(sed_repl "${!v}")|g")
	done
	if [ "$dst" = - ]; then
		sed "${expr[@]}" "$src"
	else
		sed "${expr[@]}" "$src" | write_if_changed "$dst"
	fi
}
