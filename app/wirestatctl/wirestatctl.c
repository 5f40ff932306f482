/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirestatctl: ask a running wirestat daemon over its control socket.
 *
 *   wirestatctl status              one line an operator reads first, then details
 *   wirestatctl top hosts -n 20     one top list as a table
 *   wirestatctl stats --json        the whole report for scripts
 *   wirestatctl watch               live rates, refreshed in place
 *
 * Options may come before or after the command. The exit status tells
 * scripts what went wrong (enum wsctl_exit, docs/control.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ws_ctl.h>

#include "wirestatctl.h"

#define DEFAULT_SOCKET "/run/wirestat/wirestat.sock"
#define DEFAULT_TIMEOUT_MS 5000
#define TOP_N_MAX 100000 /* as the daemon checks "n" */

/* Which command-specific options a command takes. */
#define OPT_N (1u << 0)
#define OPT_WATCH (1u << 1)
#define OPT_LAST (1u << 2)
#define OPT_SORT (1u << 3)

/* parse_args(): --help was printed, nothing else to do. */
#define HELP_SHOWN (-1)

static const char usage_line[] = "usage: wirestatctl [--socket PATH] [--json] [--timeout MS] "
				 "COMMAND [ARGS]\n";

static const char usage_text[] =
	"\n"
	"Ask a running wirestat daemon over its control socket. Options may come\n"
	"before or after COMMAND.\n"
	"\n"
	"commands:\n"
	"  status                  health in one line (OK, DROPPING or DOWN), then details\n"
	"  stats [-n N]            the whole report, N entries per top list\n"
	"  top dst|src|ports|hosts|pairs|sites [-n N]\n"
	"                          one top list: destination or source addresses,\n"
	"                          destination ports, hostnames (DNS, TLS SNI, HTTP Host,\n"
	"                          QUIC) per packet, address pairs, sites (named flows)\n"
	"  cores                   per RX lcore: packets, spread, ring drops, busy ratio\n"
	"  ports                   per port: link, NIC counters, extended statistics\n"
	"  reset                   zero the statistics (NIC counters are kept)\n"
	"  unique                  distinct sources, destinations, conversations (HyperLogLog)\n"
	"  flows [-n N] [--sort bytes|packets|duration|rtt]\n"
	"                          flow counts, the largest flows (live and ended)\n"
	"  rates [--last SECONDS]  packets, bits and new flows per second, with a sparkline\n"
	"  export                  IPFIX collectors: records sent, dropped, errors\n"
	"  filter [get]            the capture filter in force, packets passed and rejected\n"
	"  filter set EXPR...      change it (tcpdump syntax); a bad one leaves the old\n"
	"  filter clear            let every packet through\n"
	"  watch [--interval MS] [--count K]\n"
	"                          live rates, pps history, top 5; q or Ctrl-C quits\n"
	"  help                    the commands the daemon knows\n"
	"\n"
	"options:\n"
	"  -s, --socket PATH       control socket (default: $WIRESTAT_SOCKET, else\n"
	"                          " DEFAULT_SOCKET ")\n"
	"  -j, --json              print the daemon's result as JSON; watch prints one\n"
	"                          JSON line per refresh\n"
	"  -t, --timeout MS        wait this long for each reply, 1..3600000 (default 5000)\n"
	"  -n, --top N             entries per top list, 1..100000 (stats, top; default:\n"
	"                          the daemon's analytics.top_n)\n"
	"      --interval MS       watch: refresh period, 100..3600000 (default 1000)\n"
	"      --count K           watch: stop after K refreshes (default: until q)\n"
	"  -h, --help              this text\n"
	"\n"
	"exit status:\n"
	"  0  success\n"
	"  1  the daemon answered with an error (its message is printed)\n"
	"  2  usage error: unknown command or option, bad number or argument\n"
	"  3  wirestat is not running: no socket at PATH, or nothing listens on it\n"
	"  4  no usable reply: timeout, connection lost, malformed reply, or another\n"
	"     connection failure such as permission denied on the socket\n";

struct options {
	struct wsctl ctl;
	struct wsctl_watch_opts watch;
	unsigned int top_n; /* 0: the daemon's default */
	unsigned int last;  /* rates: seconds, 0: the daemon's default */
	const char *sort;   /* flows: bytes, packets, duration, rtt */
	unsigned int given; /* OPT_* seen on the command line */
	const char *cmd;
	const char *what; /* top's list, filter's action */
	char expr[1024];  /* filter set: the expression, its words joined */
};

/* A command: its name, the options it takes, how its reply prints. */
struct command {
	const char *name;
	unsigned int opts;
	int (*show)(FILE *f, const json_t *result);
};

static const struct command commands[] = {
	{.name = "status", .opts = 0, .show = wsctl_show_status},
	{.name = "stats", .opts = OPT_N, .show = wsctl_show_stats},
	{.name = "top", .opts = OPT_N, .show = wsctl_show_top},
	{.name = "cores", .opts = 0, .show = wsctl_show_cores},
	{.name = "ports", .opts = 0, .show = wsctl_show_ports},
	{.name = "reset", .opts = 0, .show = wsctl_show_reset},
	{.name = "filter", .opts = 0, .show = wsctl_show_filter},
	{.name = "unique", .opts = 0, .show = wsctl_show_unique},
	{.name = "rates", .opts = OPT_LAST, .show = wsctl_show_rates},
	{.name = "flows", .opts = OPT_N | OPT_SORT, .show = wsctl_show_flows},
	{.name = "export", .opts = 0, .show = wsctl_show_export},
	{.name = "watch", .opts = OPT_WATCH, .show = NULL},
	{.name = "help", .opts = 0, .show = wsctl_show_help},
};

static const char *const top_lists[] = {"dst", "src", "ports", "hosts", "pairs", "sites"};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("wirestatctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage_line, stderr);
	fputs("Try 'wirestatctl --help' for the commands, options and exit codes.\n", stderr);
	return WSCTL_EUSAGE;
}

/* A whole decimal number in [min, max], nothing before or after it. */
static int
parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v < min || v > max) {
		usage_error("%s: '%s' is not a number from %lu to %lu", opt, s, min, max);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

static int
parse_option(int c, const char *arg, struct options *o)
{
	unsigned int ms;

	switch (c) {
	case 's':
		o->ctl.socket = arg;
		return 0;
	case 'j':
		o->ctl.json = true;
		return 0;
	case 't':
		if (parse_uint("--timeout", arg, 1, 3600000, &ms) < 0)
			return -EINVAL;
		o->ctl.timeout_ms = (int)ms;
		return 0;
	case 'n':
		o->given |= OPT_N;
		return parse_uint("-n", arg, 1, TOP_N_MAX, &o->top_n);
	case 'I':
		o->given |= OPT_WATCH;
		return parse_uint("--interval", arg, 100, 3600000, &o->watch.interval_ms);
	case 'C':
		o->given |= OPT_WATCH;
		return parse_uint("--count", arg, 1, 1000000000, &o->watch.count);
	case 'L':
		o->given |= OPT_LAST;
		return parse_uint("--last", arg, 1, 86400, &o->last);
	case 'S':
		o->given |= OPT_SORT;
		if (strcmp(arg, "bytes") && strcmp(arg, "packets") && strcmp(arg, "duration") &&
		    strcmp(arg, "rtt")) {
			usage_error("--sort %s: one of bytes, packets, duration, rtt", arg);
			return -EINVAL;
		}
		o->sort = arg;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Options anywhere on the line; what is left is COMMAND [ARG]. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},   {"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},  {"top", required_argument, NULL, 'n'},
		{"interval", required_argument, NULL, 'I'}, {"count", required_argument, NULL, 'C'},
		{"last", required_argument, NULL, 'L'},	    {"sort", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0},
	};
	const char *env = getenv("WIRESTAT_SOCKET");
	int c;

	o->ctl = (struct wsctl){.socket = env && env[0] ? env : DEFAULT_SOCKET,
				.timeout_ms = DEFAULT_TIMEOUT_MS,
				.fd = -1};
	o->watch = (struct wsctl_watch_opts){.interval_ms = 1000};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jt:n:h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_line, stdout);
			fputs(usage_text, stdout);
			return HELP_SHOWN;
		}
		if (c == '?')
			return usage_error("unknown option '%s'", argv[optind - 1]);
		if (c == ':')
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		if (parse_option(c, optarg, o) < 0)
			return WSCTL_EUSAGE;
	}
	if (optind == argc)
		return usage_error("no command given");
	o->cmd = argv[optind++];
	if (optind < argc)
		o->what = argv[optind++];
	if (!strcmp(o->cmd, "filter") && o->what && !strcmp(o->what, "set")) {
		/* As tcpdump: the expression is the rest of the words. */
		for (; optind < argc; optind++) {
			if (strlen(o->expr) + strlen(argv[optind]) + 2 > sizeof(o->expr))
				return usage_error("filter set: expression longer than %zu bytes",
						   sizeof(o->expr) - 1);
			if (o->expr[0])
				strcat(o->expr, " ");
			strcat(o->expr, argv[optind]);
		}
		if (!o->expr[0])
			return usage_error("filter set: give a tcpdump expression");
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

/* The command's own arguments and options, checked before any connection. */
static int
check_command(const struct options *o, const struct command **cmd)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(o->cmd, commands[i].name))
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		return usage_error("unknown command '%s'", o->cmd);
	*cmd = &commands[i];
	if ((o->given & OPT_N) && !((*cmd)->opts & OPT_N))
		return usage_error("%s: -n applies to stats, top and flows only", o->cmd);
	if ((o->given & OPT_SORT) && !((*cmd)->opts & OPT_SORT))
		return usage_error("%s: --sort applies to flows only", o->cmd);
	if ((o->given & OPT_LAST) && !((*cmd)->opts & OPT_LAST))
		return usage_error("%s: --last applies to rates only", o->cmd);
	if ((o->given & OPT_WATCH) && !((*cmd)->opts & OPT_WATCH))
		return usage_error("%s: --interval and --count apply to watch only", o->cmd);
	if (!strcmp(o->cmd, "filter")) {
		if (!o->what || !strcmp(o->what, "get") || !strcmp(o->what, "set") ||
		    !strcmp(o->what, "clear"))
			return 0;
		return usage_error("filter: '%s' is not one of get, set, clear", o->what);
	}
	if (strcmp(o->cmd, "top") && o->what)
		return usage_error("unexpected argument '%s'", o->what);
	if (strcmp(o->cmd, "top"))
		return 0;
	if (!o->what)
		return usage_error("top: which list? dst, src, ports, hosts, pairs or sites");
	for (i = 0; i < sizeof(top_lists) / sizeof(top_lists[0]); i++)
		if (!strcmp(o->what, top_lists[i]))
			return 0;
	return usage_error("top: '%s' is not one of dst, src, ports, hosts, pairs, sites", o->what);
}

int
wsctl_open(struct wsctl *c)
{
	int fd = ws_ctl_connect(c->socket);

	if (fd >= 0) {
		c->fd = fd;
		return WSCTL_OK;
	}
	switch (-fd) {
	case ENOENT:
	case ENOTDIR:
		fprintf(stderr, "wirestatctl: wirestat is not running (no socket at %s)\n",
			c->socket);
		return WSCTL_EDOWN;
	case ECONNREFUSED:
		fprintf(stderr, "wirestatctl: wirestat is not running (nothing listens at %s)\n",
			c->socket);
		return WSCTL_EDOWN;
	case ENAMETOOLONG:
		return usage_error("socket path too long: %s", c->socket);
	default:
		fprintf(stderr, "wirestatctl: cannot connect to %s: %s\n", c->socket,
			strerror(-fd));
		return WSCTL_EREPLY;
	}
}

/* The daemon's error, made safe for a terminal. */
static int
daemon_error(const struct wsctl *c, const json_t *rep, json_int_t status)
{
	const char *msg = json_string_value(json_object_get(rep, "error"));
	char buf[512];

	if (msg)
		fprintf(stderr, "wirestatctl: %s: %s\n", c->cmd,
			wsctl_cell(buf, sizeof(buf), msg, 0));
	else
		fprintf(stderr, "wirestatctl: %s: the daemon says error %lld (%s)\n", c->cmd,
			(long long)status,
			status > 0 && status < 4096 ? strerror((int)status) : "?");
	return WSCTL_EDAEMON;
}

json_t *
wsctl_call(struct wsctl *c, json_t *req, int *rc)
{
	json_t *rep, *status, *result;
	char err[256];

	if (!req) {
		fprintf(stderr, "wirestatctl: %s: out of memory\n", c->cmd);
		*rc = WSCTL_EREPLY;
		return NULL;
	}
	rep = ws_ctl_call(c->fd, req, c->timeout_ms, err, sizeof(err));
	json_decref(req);
	if (!rep) {
		fprintf(stderr, "wirestatctl: %s: %s\n", c->cmd, err);
		*rc = WSCTL_EREPLY;
		return NULL;
	}
	status = json_object_get(rep, "status");
	result = json_object_get(rep, "result");
	if (json_is_integer(status) && json_integer_value(status) != 0)
		*rc = daemon_error(c, rep, json_integer_value(status));
	else if (!json_is_integer(status) || !result)
		*rc = WSCTL_EREPLY;
	else
		*rc = WSCTL_OK;
	if (*rc == WSCTL_EREPLY)
		fprintf(stderr, "wirestatctl: %s: malformed reply: no %s\n", c->cmd,
			!json_is_integer(status) ? "integer \"status\"" : "\"result\"");
	result = *rc == WSCTL_OK ? json_incref(result) : NULL;
	json_decref(rep);
	return result;
}

static json_t *
build_request(const struct options *o)
{
	json_t *req = json_pack("{s:s}", "cmd", o->cmd);

	if (req && !strcmp(o->cmd, "filter")) {
		if (o->what && !strcmp(o->what, "set"))
			json_object_set_new(req, "set", json_string(o->expr));
		else if (o->what && !strcmp(o->what, "clear"))
			json_object_set_new(req, "clear", json_true());
		return req;
	}
	if (req && o->what)
		json_object_set_new(req, "what", json_string(o->what));
	if (req && o->top_n)
		json_object_set_new(req, "n", json_integer(o->top_n));
	if (req && o->last)
		json_object_set_new(req, "last", json_integer(o->last));
	if (req && o->sort)
		json_object_set_new(req, "sort", json_string(o->sort));
	return req;
}

/* One request, one reply, printed as JSON or as a table. */
static int
run_command(struct options *o, const struct command *cmd)
{
	json_t *result;
	int rc;

	rc = wsctl_open(&o->ctl);
	if (rc)
		return rc;
	result = wsctl_call(&o->ctl, build_request(o), &rc);
	if (!result)
		return rc;
	if (o->ctl.json) {
		json_dumpf(result, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
		fputc('\n', stdout);
	} else {
		rc = cmd->show(stdout, result);
	}
	json_decref(result);
	return rc;
}

int main(int argc, char **argv);

int
main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	struct options o = {0};
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc == HELP_SHOWN ? WSCTL_OK : rc;
	rc = check_command(&o, &cmd);
	if (rc)
		return rc;
	o.ctl.cmd = o.cmd;
	if (!strcmp(o.cmd, "watch"))
		rc = wsctl_watch(&o.ctl, &o.watch);
	else
		rc = run_command(&o, cmd);
	if (o.ctl.fd >= 0)
		close(o.ctl.fd);
	return rc;
}
