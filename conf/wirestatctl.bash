# SPDX-License-Identifier: BSD-3-Clause
# bash completion for wirestatctl (installed to share/bash-completion/completions).
_wirestatctl()
{
	local cur prev words cword i cmd="" what=""
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands="status stats top cores ports reset unique flows rates export filter watch help"
	local opts="--socket --json --timeout --help"

	# The command and its first argument, skipping options and their values.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-s | --socket | -t | --timeout | -n | --top | --interval | --count | --last | --sort)
			((i++)) ;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${COMP_WORDS[i]}
			elif [[ -z $what ]]; then
				what=${COMP_WORDS[i]}
			fi
			;;
		esac
	done

	case $prev in
	-s | --socket)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	--sort)
		mapfile -t COMPREPLY < <(compgen -W "bytes packets duration rtt" -- "$cur")
		return ;;
	-t | --timeout | -n | --top | --interval | --count | --last)
		COMPREPLY=()
		return ;;
	esac

	case $cmd in
	"") ;;
	stats) opts="$opts -n --top" ;;
	top) opts="$opts -n --top"
		[[ -z $what && $cur != -* ]] && opts="dst src ports hosts pairs sites" ;;
	flows) opts="$opts -n --top --sort" ;;
	rates) opts="$opts --last" ;;
	watch) opts="$opts --interval --count" ;;
	filter)
		if [[ -z $what && $cur != -* ]]; then
			opts="get set clear"
		elif [[ $what == set ]]; then
			opts="tcp udp icmp host net port src dst and or not"
		fi ;;
	esac
	if [[ -z $cmd && $cur != -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	fi
}
complete -F _wirestatctl wirestatctl
