/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirestat: the analyser.
 *
 *   wirestat -c CONFIG            run on the configured ports until SIGINT/SIGTERM
 *   wirestat -r CAPTURE [--json]  analyse a capture through DPDK's net_pcap and exit
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "wirestat.h"

#define MAX_EAL_ARGS 128

extern uint32_t ws_mgmt_quit;

struct options {
	const char *config;
	const char *capture;
	const char *socket;
	bool json;
	unsigned int lcores;
	unsigned int top_n;
	bool no_jit;
	const char *flows_file;
	unsigned int n_ipfix;
	struct ws_ipfix_conf ipfix[WS_CONFIG_MAX_COLLECTORS];
	const char *html; /* -r --html FILE */
	char filter[WS_FILTER_EXPR_MAX];
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: wirestat -c CONFIG [-s SOCKET] [--json]\n"
		"       wirestat -r CAPTURE [--json] [--lcores N] [--top N] [FILTER...]\n"
		"\n"
		"  -c, --config FILE   run on the ports of this configuration "
		"(conf/wirestat.yaml)\n"
		"  -r, --read FILE     analyse a pcap/pcapng file through DPDK and exit\n"
		"  -j, --json          print the final report as JSON\n"
		"  -l, --lcores N      RX lcores for -r (default 1)\n"
		"  -n, --top N         entries per top list (default 10)\n"
		"  -s, --socket PATH   control socket (overrides the configuration)\n"
		"      --no-jit        run the filter in DPDK's BPF interpreter, not native code\n"
		"      --flows FILE    with -r, write every flow record to FILE, one JSON line "
		"each\n"
		"      --ipfix HOST:PORT[/udp|/tcp]\n"
		"                      with -r, export the flow records to this IPFIX collector\n"
		"                      (UDP by default; IPv6 as [::1]:4739); may be repeated\n"
		"      --html FILE     with -r, also write the report as one self-contained HTML "
		"page\n"
		"  FILTER              with -r, a tcpdump expression (tcp port 443)\n"
		"  -h, --help\n");
}

static int
parse_uint(const char *opt, const char *s, unsigned int lo, unsigned int hi, unsigned int *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || s == end || n < lo || n > hi) {
		fprintf(stderr, "wirestat: %s %s: want an integer from %u to %u\n", opt, s, lo, hi);
		return -EINVAL;
	}
	*v = (unsigned int)n;
	return 0;
}

/* --ipfix HOST:PORT[/udp|/tcp]: the other settings take their defaults. */
static int
parse_ipfix(char *arg, struct options *o)
{
	struct ws_ipfix_conf *c = &o->ipfix[o->n_ipfix];
	char *slash = strrchr(arg, '/'), host[256];
	uint16_t port;

	if (o->n_ipfix == WS_CONFIG_MAX_COLLECTORS) {
		fprintf(stderr, "wirestat: at most %d --ipfix collectors\n",
			WS_CONFIG_MAX_COLLECTORS);
		return -EINVAL;
	}
	*c = (struct ws_ipfix_conf){
		.collector = arg, .transport = WS_IPFIX_UDP, .domain = 1, .host = true};
	if (slash && (!strcmp(slash, "/udp") || !strcmp(slash, "/tcp"))) {
		c->transport = slash[1] == 't' ? WS_IPFIX_TCP : WS_IPFIX_UDP;
		*slash = '\0';
	} else {
		slash = NULL;
	}
	if (ws_ipfix_parse_collector(arg, host, sizeof(host), &port) < 0) {
		if (slash)
			*slash = '/'; /* the argument as given, in the message */
		fprintf(stderr,
			"wirestat: --ipfix %s: want HOST:PORT[/udp|/tcp], IPv6 as [::1]:4739, "
			"port 1..65535\n",
			arg);
		return -EINVAL;
	}
	o->n_ipfix++;
	return 0;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"read", required_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'j'},	  {"lcores", required_argument, NULL, 'l'},
		{"top", required_argument, NULL, 'n'},	  {"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},	  {"no-jit", no_argument, NULL, 'J'},
		{"flows", required_argument, NULL, 'F'},  {"ipfix", required_argument, NULL, 'X'},
		{"html", required_argument, NULL, 'H'},	  {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct options){.lcores = 1};
	while ((c = getopt_long(argc, argv, "c:r:jl:n:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'r':
			o->capture = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'J':
			o->no_jit = true;
			break;
		case 'F':
			o->flows_file = optarg;
			break;
		case 'X':
			if (parse_ipfix(optarg, o) < 0)
				return -EINVAL;
			break;
		case 'H':
			o->html = optarg;
			break;
		case 'l':
			if (parse_uint("--lcores", optarg, 1, 64, &o->lcores) < 0)
				return -EINVAL;
			break;
		case 'n':
			if (parse_uint("--top", optarg, 1, 100000, &o->top_n) < 0)
				return -EINVAL;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (o->config && o->n_ipfix) {
		fprintf(stderr, "wirestat: --ipfix is for -r; with -c, list collectors under "
				"export.ipfix\n");
		return -EINVAL;
	}
	if (!o->config == !o->capture) {
		fprintf(stderr, "wirestat: give either -c CONFIG or -r CAPTURE\n");
		usage(stderr);
		return -EINVAL;
	}
	if (o->html && !o->capture) {
		fprintf(stderr, "wirestat: --html goes with -r\n");
		return -EINVAL;
	}
	/* As tcpdump: the words after the options are the filter expression. */
	for (; optind < argc; optind++) {
		if (o->config) {
			fprintf(stderr,
				"wirestat: unexpected argument '%s'; with -c the filter "
				"is the configuration's `filter`\n",
				argv[optind]);
			return -EINVAL;
		}
		if (strlen(o->filter) + strlen(argv[optind]) + 2 > sizeof(o->filter)) {
			fprintf(stderr, "wirestat: filter longer than %zu bytes\n",
				sizeof(o->filter) - 1);
			return -EINVAL;
		}
		if (o->filter[0])
			strcat(o->filter, " ");
		strcat(o->filter, argv[optind]);
	}
	return 0;
}

/* EAL leaves its runtime directory behind; a stopped daemon should not. */
static void
runtime_dir_remove(const char *dir)
{
	struct dirent *e;
	DIR *d;

	if (!dir[0] || !(d = opendir(dir)))
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

static void
on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&ws_mgmt_quit, 1, __ATOMIC_RELAXED);
}

/* EAL arguments, their text kept in one buffer. */
struct args {
	char **argv;
	int argc, max;
	char *buf;
	size_t used, size;
};

static int __attribute__((format(printf, 2, 3))) arg_add(struct args *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->argc + 1 >= a->max)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, a->size - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= a->size - a->used)
		return -E2BIG;
	a->argv[a->argc++] = a->buf + a->used;
	a->argv[a->argc] = NULL;
	a->used += n + 1;
	return 0;
}

/*
 * Offline: one net_pcap port, lcore 0 manages, lcores 1..N receive; no
 * hugepages, no files left behind. More lcores than CPUs share the CPUs.
 */
static int
offline_prepare(const struct options *o, struct ws_run *run, struct args *a)
{
	char err[512], path[PATH_MAX];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int i, memory_mb;
	uint32_t max_caplen;
	int rc = 0;

	run->offline = true;
	run->capture = o->capture;
	snprintf(run->filter, sizeof(run->filter), "%s", o->filter);
	if (ws_capture_check(run, &max_caplen, err, sizeof(err)) < 0) {
		fprintf(stderr, "wirestat: %s\n", err);
		return -EINVAL;
	}
	if (!realpath(o->capture, path) || strchr(path, ',')) {
		fprintf(stderr, "wirestat: %s: %s\n", o->capture,
			errno ? strerror(errno) : "a path with ',' cannot be given to net_pcap");
		return -EINVAL;
	}
	run->n_rx = o->lcores;
	for (i = 0; i < run->n_rx; i++)
		run->rx_lcore_ids[i] = i + 1;
	/* Whole frames in one mbuf: net_pcap drops what does not fit. */
	run->data_room = max_caplen + 128u > 65535u ? 65535u : max_caplen + 128u;
	if (run->data_room < 2176)
		run->data_room = 2176;
	run->ring_size = 1024;
	run->mbufs = 4095 + run->n_rx * run->ring_size;
	run->mbuf_cache = 256;
	run->snapshot_ms = 20;
	run->sizes = (struct ws_stats_sizes){.top_capacity = 16384, .host_capacity = 4096};
	/* A quarter million flows per lcore; the capture's clock drives the timeouts. */
	run->flows = (struct ws_flow_conf){.capacity = 1u << 18};
	run->flows_file = o->flows_file;
	run->n_ipfix = o->n_ipfix;
	memcpy(run->ipfix, o->ipfix, sizeof(o->ipfix));
	run->n_ports = 1;
	run->port_conf[0] = (struct ws_port_conf){.name = "capture",
						  .device = "net_pcap0",
						  .rx_queues = 1,
						  .rx_descriptors = 1024,
						  .mtu = 1500,
						  .timestamps = true};
	memory_mb = 64 + (uint64_t)run->mbufs * (run->data_room + 256) / (1 << 20) +
		    run->n_rx * (WS_RECORD_RING * sizeof(struct ws_flow) >> 20);
	rc |= arg_add(a, "wirestat");
	if (cpus > (long)run->n_rx)
		rc |= arg_add(a, "-l") | arg_add(a, "0-%u", run->n_rx);
	else
		rc |= arg_add(a, "--lcores") | arg_add(a, "(0-%u)@(0-%ld)", run->n_rx, cpus - 1);
	rc |= arg_add(a, "--no-huge") | arg_add(a, "-m") | arg_add(a, "%u", memory_mb);
	/* --in-memory needs hugepages; a private prefix, removed at exit, does the same. */
	rc |= arg_add(a, "--file-prefix") | arg_add(a, "wirestat-r%ld", (long)getpid());
	rc |= arg_add(a, "--no-pci") | arg_add(a, "--no-telemetry");
	rc |= arg_add(a, "--log-level=lib.eal:error");
	rc |= arg_add(a, "--vdev") | arg_add(a, "net_pcap0,rx_pcap=%s", path);
	return rc ? -E2BIG : a->argc;
}

/* Daemon: everything from the configuration file; EAL arguments built from it. */
static int
daemon_prepare(const struct options *o, struct ws_config **cp, struct ws_run *run, struct args *a)
{
	char err[WS_CONFIG_ERR_SIZE];
	struct ws_config *c;
	struct group *g;
	unsigned int i;
	int n;

	c = ws_config_load(o->config, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "wirestat: %s\n", err);
		return -EINVAL;
	}
	*cp = c;
	n = ws_config_eal_args(c, a->argv, a->max, a->buf, a->size);
	if (n < 0) {
		fprintf(stderr, "wirestat: too many EAL arguments\n");
		return n;
	}
	a->argc = n;
	run->n_ports = c->n_ports;
	for (i = 0; i < c->n_ports; i++)
		run->port_conf[i] =
			(struct ws_port_conf){.name = c->ports[i].name,
					      .device = c->ports[i].device,
					      .rx_queues = c->ports[i].rx_queues,
					      .rx_descriptors = c->ports[i].rx_descriptors,
					      .mtu = c->ports[i].mtu,
					      .promiscuous = c->ports[i].promiscuous};
	run->n_rx = c->lcores.n_rx;
	memcpy(run->rx_lcore_ids, c->lcores.rx, sizeof(c->lcores.rx[0]) * c->lcores.n_rx);
	run->mbufs = c->mempool.mbufs;
	run->mbuf_cache = c->mempool.cache;
	run->data_room = c->mempool.data_room;
	run->ring_size = c->spread.ring_size;
	run->sizes = (struct ws_stats_sizes){.top_capacity = c->analytics.top_capacity,
					     .host_capacity = c->analytics.host_capacity,
					     .rate_seconds = c->analytics.rate_seconds};
	run->flows = (struct ws_flow_conf){.capacity = c->analytics.flow_capacity,
					   .idle_ns = c->analytics.flow_idle_s * 1000000000ull,
					   .active_ns = c->analytics.flow_active_s * 1000000000ull};
	run->names = (struct ws_names_conf){.hello_slots = c->analytics.tls_hello_slots,
					    .hello_bytes = c->analytics.tls_hello_bytes,
					    .hello_timeout_ns =
						    c->analytics.tls_hello_timeout_ms * 1000000ull,
					    .dns_answers = c->analytics.dns_answers};
	if (o->top_n == 0)
		run->top_n = c->analytics.top_n;
	run->snapshot_ms = c->analytics.snapshot_ms;
	snprintf(run->filter, sizeof(run->filter), "%s", c->filter);
	snprintf(run->prom_listen, sizeof(run->prom_listen), "%s", c->prometheus.listen);
	for (i = 0; i < c->export.n_ipfix; i++) {
		const struct ws_config_ipfix *x = &c->export.ipfix[i];

		run->ipfix[i] = (struct ws_ipfix_conf){
			.collector = x->collector,
			.transport = strcmp(x->transport, "tcp") ? WS_IPFIX_UDP : WS_IPFIX_TCP,
			.domain = x->observation_domain,
			.template_refresh_s = x->template_refresh_s,
			.buffer_size = x->buffer_kb * 1024,
			.host = x->host};
	}
	run->n_ipfix = c->export.n_ipfix;
	run->socket_path = o->socket ? o->socket : c->socket.path;
	run->socket_mode = strtoul(c->socket.mode, NULL, 8);
	run->socket_gid = -1;
	if (c->socket.group[0]) {
		g = getgrnam(c->socket.group);
		if (!g) {
			fprintf(stderr,
				"wirestat: %s: socket.group: no group '%s' on this system\n",
				o->config, c->socket.group);
			return -EINVAL;
		}
		run->socket_gid = (int)g->gr_gid;
	}
	run->admin_gid = -1;
	run->admin_group = c->socket.admin_group;
	if (c->socket.admin_group[0]) {
		g = getgrnam(c->socket.admin_group);
		if (!g) {
			fprintf(stderr,
				"wirestat: %s: socket.admin_group: no group '%s' on this system\n",
				o->config, c->socket.admin_group);
			return -EINVAL;
		}
		run->admin_gid = (int)g->gr_gid;
	}
	return n;
}

/* The Prometheus endpoint and the telemetry commands, both served by ws_mgmt_loop(). */
static int
exporters_start(struct ws_app *app)
{
	int rc;

	if (app->run.prom_listen[0]) {
		app->prom = ws_prom_server_create(app->run.prom_listen, ws_prom_metrics, app);
		if (!app->prom) {
			fprintf(stderr, "wirestat: prometheus.listen %s: %s\n",
				app->run.prom_listen, strerror(errno));
			return -errno;
		}
	}
	rc = ws_telemetry_init();
	if (rc < 0)
		fprintf(stderr, "wirestat: DPDK telemetry commands: %s\n", strerror(-rc));
	return rc;
}

/* Answer the control socket until SIGINT/SIGTERM; the socket is the last privileged step. */
static int
daemon_run(struct ws_app *app)
{
	char kept[128];
	int rc;

	app->ctl = ws_ctl_server_create(app->run.socket_path, app->run.socket_mode,
					(gid_t)app->run.socket_gid, ws_mgmt_cmds, app);
	if (!app->ctl) {
		fprintf(stderr, "wirestat: control socket %s: %s\n", app->run.socket_path,
			errno == EADDRINUSE ? "another wirestat answers there" : strerror(errno));
		return -errno;
	}
	ws_ctl_server_set_admin_group(app->ctl, (gid_t)app->run.admin_gid, app->run.admin_group);
	rc = exporters_start(app);
	if (rc == 0) {
		rc = ws_privs_drop(kept, sizeof(kept));
		if (rc < 0)
			fprintf(stderr, "wirestat: cannot drop privileges: %s\n", strerror(-rc));
	}
	if (rc == 0) {
		fprintf(stderr, "wirestat: privileges dropped; capabilities kept: %s\n",
			kept[0] ? kept : "none");
		fprintf(stderr,
			"wirestat: running: %u port(s), %u RX lcore(s), control socket %s, "
			"metrics %s\n",
			app->n_ports, app->n_rx, app->run.socket_path,
			app->prom ? ws_prom_server_addr(app->prom) : "off");
		ws_mgmt_loop(app);
	}
	ws_telemetry_stop();
	ws_prom_server_destroy(app->prom);
	app->prom = NULL;
	ws_ctl_server_destroy(app->ctl);
	app->ctl = NULL;
	return rc;
}

/* A bad filter is refused before DPDK starts, with libpcap's message. */
static int
filter_check(const char *expr, int linktype)
{
	struct bpf_program prog;
	pcap_t *pc;
	int rc;

	if (!expr[0])
		return 0;
	pc = pcap_open_dead(linktype, 65535);
	if (!pc)
		return -ENOMEM;
	rc = pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc < 0)
		fprintf(stderr, "wirestat: filter '%s': %s\n", expr, pcap_geterr(pc));
	else
		pcap_freecode(&prog);
	pcap_close(pc);
	return rc < 0 ? -EINVAL : 0;
}

static int
write_html(struct ws_app *app, FILE *f, const char *path)
{
	json_t *r = ws_mgmt_report(app);
	int rc = r ? ws_html_write(f, r) : -ENOMEM;

	json_decref(r);
	if (rc < 0)
		fprintf(stderr, "wirestat: --html %s: %s\n", path, strerror(-rc));
	return rc;
}

int main(int argc, char **argv);

int
main(int argc, char **argv)
{
	static struct ws_app app;
	static char *eal_argv[MAX_EAL_ARGS], eal_buf[16384];
	struct args a = {
		.argv = eal_argv, .max = MAX_EAL_ARGS, .buf = eal_buf, .size = sizeof(eal_buf)};
	char err[512], runtime_dir[PATH_MAX];
	struct ws_config *config = NULL;
	FILE *html = NULL;
	struct options o;
	int eal_argc, rc;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	app.run.json = o.json;
	app.run.top_n = o.top_n ? o.top_n : 10;
	app.run.filter_jit = !o.no_jit;
	if (o.capture)
		eal_argc = offline_prepare(&o, &app.run, &a);
	else
		eal_argc = daemon_prepare(&o, &config, &app.run, &a);
	if (eal_argc >= 0 && filter_check(app.run.filter, o.capture ? app.run.linktype : 1) < 0)
		eal_argc = -EINVAL;
	/* Before DPDK starts: a page that cannot be written is a usage error. */
	if (eal_argc >= 0 && o.html && !(html = fopen(o.html, "w"))) {
		fprintf(stderr, "wirestat: --html %s: %s\n", o.html, strerror(errno));
		eal_argc = -errno;
	}
	if (eal_argc < 0) {
		ws_config_free(config);
		return 2;
	}
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "wirestat: DPDK could not start: %s\n", rte_strerror(rte_errno));
		ws_config_free(config);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (app.run.flows_file) {
		app.flows_out = fopen(app.run.flows_file, "w");
		if (!app.flows_out) {
			fprintf(stderr, "wirestat: --flows %s: %s\n", app.run.flows_file,
				strerror(errno));
			rte_eal_cleanup();
			return 2;
		}
	}
	rc = ws_export_setup(&app, err, sizeof(err));
	if (rc == 0)
		rc = ws_app_setup(&app, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "wirestat: %s\n", err);
	else if (o.capture)
		rc = ws_mgmt_offline(&app);
	else
		rc = daemon_run(&app);
	if (rc == 0) {
		/* The last word: a report over everything counted, every flow ended. */
		ws_app_stop(&app);
		ws_mgmt_refresh(&app);
		ws_mgmt_records(&app);
		ws_export_drain(&app);
		ws_mgmt_print(&app, stdout);
		if (html)
			rc = write_html(&app, html, o.html);
	}
	if (html)
		fclose(html);
	if (app.flows_out)
		fclose(app.flows_out);
	ws_app_teardown(&app);
	ws_export_destroy(&app);
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	runtime_dir_remove(runtime_dir);
	ws_config_free(config);
	return rc < 0 ? 1 : 0;
}
