/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wsdissect: run the dissector over a capture file, without DPDK.
 *
 *   wsdissect FILE            summary: protocols, malformed reasons, top lists
 *   wsdissect --json FILE     the same report as JSON (docs/report.md)
 *   wsdissect --packets FILE  one tab-separated line per packet (golden tests)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ws_names.h>
#include <ws_parse.h>
#include <ws_stats.h>

static const char *const host_sources[WS_HOST_SOURCE_MAX] = {"-",    "dns",  "tls",
							     "http", "quic", "dns-answer"};

static void
print_addr(const uint8_t *d, const struct ws_ip *ip, int dst)
{
	char buf[INET6_ADDRSTRLEN];
	const uint8_t *a;

	if (ip->version == 0) {
		fputs("\t-", stdout);
		return;
	}
	a = d + ip->l3_off + (ip->version == 4 ? 12 + 4 * dst : 8 + 16 * dst);
	inet_ntop(ip->version == 4 ? AF_INET : AF_INET6, a, buf, sizeof(buf));
	printf("\t%s", buf);
}

/* Columns: see tests/golden/compare.py. */
static void
print_ip(const uint8_t *d, const struct ws_ip *ip)
{
	print_addr(d, ip, 0);
	print_addr(d, ip, 1);
	if (ip->version)
		printf("\t%u", ip->proto);
	else
		fputs("\t-", stdout);
	if (ip->has_l4 && (ip->proto == 6 || ip->proto == 17 || ip->proto == 132))
		printf("\t%u\t%u", ip->sport, ip->dport);
	else if (ip->has_l4 && (ip->proto == 1 || ip->proto == 58))
		printf("\ticmp:%u\ticmp:%u", ip->icmp_type, ip->icmp_code);
	else
		fputs("\t-\t-", stdout);
	printf("\t%s", !(ip->frag & WS_FRAG_ANY)  ? "-"
		       : ip->frag & WS_FRAG_LATER ? "later"
						  : "first");
}

static void
print_packet(uint64_t n, const uint8_t *d, const struct ws_pkt *p, const struct ws_host *h)
{
	static const char *const l3[] = {"none", "ipv4", "ipv6", "arp", "other"};
	unsigned int i;

	printf("%lu\t%s\t%s\t", (unsigned long)n, ws_parse_rc_str(p->rc), l3[p->l3]);
	for (i = 0; i < p->n_vlans; i++)
		printf("%s%u", i ? "," : "", p->vlan[i]);
	if (p->n_vlans == 0)
		putchar('-');
	print_ip(d, &p->outer);
	printf("\t%u", p->n_tunnels);
	print_ip(d, &p->inner);
	printf("\t%s\t%s\t%s\n", host_sources[h->source], h->len ? h->name : "-",
	       h->method ? ws_http_method_str(h->method) : "-");
}

/* The human summary: totals, protocols, malformed reasons and top lists. */
static void
print_summary(const struct ws_stats *st, unsigned int top_n)
{
	json_t *r = ws_stats_json(st, top_n), *v, *row;
	const char *k;
	size_t i;

	printf("packets %" JSON_INTEGER_FORMAT "  bytes %" JSON_INTEGER_FORMAT "\n",
	       json_integer_value(json_object_get(r, "packets")),
	       json_integer_value(json_object_get(r, "bytes")));
	printf("protocols:");
	json_object_foreach(json_object_get(r, "protocols"), k, v)
		printf(" %s %" JSON_INTEGER_FORMAT, k, json_integer_value(v));
	printf("\nmalformed:");
	json_object_foreach(json_object_get(r, "malformed_reasons"), k,
			    v) if (json_integer_value(v))
		printf(" %s %" JSON_INTEGER_FORMAT, k, json_integer_value(v));
	printf("\ntop destinations:\n");
	json_array_foreach(json_object_get(r, "top_dst_ips"), i, row)
		printf("  %10" JSON_INTEGER_FORMAT "  %s\n",
		       json_integer_value(json_object_get(row, "packets")),
		       json_string_value(json_object_get(row, "ip")));
	printf("top destination ports:\n");
	json_array_foreach(json_object_get(r, "top_dst_ports"), i, row)
		printf("  %10" JSON_INTEGER_FORMAT "  %s/%" JSON_INTEGER_FORMAT "\n",
		       json_integer_value(json_object_get(row, "packets")),
		       json_string_value(json_object_get(row, "proto")),
		       json_integer_value(json_object_get(row, "port")));
	printf("hostnames:\n");
	json_array_foreach(json_object_get(r, "hosts"), i, row)
		printf("  %10" JSON_INTEGER_FORMAT "  %-4s  %s\n",
		       json_integer_value(json_object_get(row, "count")),
		       json_string_value(json_object_get(row, "source")),
		       json_string_value(json_object_get(row, "name")));
	json_decref(r);
}

enum output { OUT_SUMMARY, OUT_JSON, OUT_PACKETS };

static int
run(const char *file, enum output out, unsigned int top_n)
{
	static const struct ws_stats_sizes sizes = {.top_capacity = 1 << 16,
						    .host_capacity = 1 << 14};
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	struct ws_names *nm;
	struct ws_stats *st;
	const u_char *data;
	struct ws_host h;
	struct ws_pkt p;
	uint64_t n = 0;
	pcap_t *pc;
	int link, rc;

	pc = pcap_open_offline(file, err);
	if (!pc) {
		fprintf(stderr, "wsdissect: %s\n", err);
		return 1;
	}
	link = pcap_datalink(pc);
	if (!ws_parse_linktype_ok(link)) {
		fprintf(stderr,
			"wsdissect: %s: link type %d (%s) is not supported; "
			"supported: Ethernet, Linux cooked v1/v2, raw IP, BSD loopback\n",
			file, link, pcap_datalink_val_to_name(link) ?: "unknown");
		pcap_close(pc);
		return 2;
	}
	st = ws_stats_create(&sizes);
	nm = ws_names_create(NULL);
	if (!st || !nm) {
		perror("wsdissect");
		ws_stats_destroy(st);
		ws_names_destroy(nm);
		pcap_close(pc);
		return 1;
	}
	st->names = nm;
	while ((rc = pcap_next_ex(pc, &ph, &data)) == 1) {
		ws_parse_link(link, data, ph->caplen, &p);
		st->now_ns =
			(uint64_t)ph->ts.tv_sec * 1000000000u + (uint64_t)ph->ts.tv_usec * 1000u;
		if (out == OUT_PACKETS) {
			ws_names_host(nm, data, ph->caplen, &p, st->now_ns, &h, &st->c.names);
			print_packet(++n, data, &p, &h);
		} else {
			ws_stats_account(st, data, ph->caplen, ph->caplen, &p);
		}
	}
	if (rc == PCAP_ERROR)
		fprintf(stderr, "wsdissect: %s: %s\n", file, pcap_geterr(pc));
	pcap_close(pc);
	if (out == OUT_JSON) {
		json_t *r = ws_stats_json(st, top_n);

		json_dumpf(r, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(r);
	} else if (out == OUT_SUMMARY) {
		print_summary(st, top_n);
	}
	ws_stats_destroy(st);
	ws_names_destroy(nm);
	return rc == PCAP_ERROR ? 1 : 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: wsdissect [--packets | --json] [--top N] FILE\n"
		   "  (default)   summary: protocols, malformed reasons, top lists\n"
		   "  --json      the same report as JSON\n"
		   "  --packets   one tab-separated line per packet\n"
		   "  --top N     entries per top list (default 10)\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"packets", no_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},
		{"top", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum output out = OUT_SUMMARY;
	unsigned long top_n = 10;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "pjn:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			out = OUT_PACKETS;
			break;
		case 'j':
			out = OUT_JSON;
			break;
		case 'n':
			errno = 0;
			top_n = strtoul(optarg, &end, 10);
			if (errno || *end || top_n == 0 || top_n > 1000000) {
				fprintf(stderr, "wsdissect: --top %s: want 1 to 1000000\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	return run(argv[optind], out, (unsigned int)top_n);
}
