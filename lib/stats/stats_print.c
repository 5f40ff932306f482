/* SPDX-License-Identifier: BSD-3-Clause */
/* The report as tables for people; the same JSON that scripts read. */
#include <stdio.h>
#include <string.h>

#include "ws_stats.h"

#define I(o, k) ((long long)json_integer_value(json_object_get((o), (k))))

static void
print_pct(FILE *f, const char *name, long long n, long long total)
{
	fprintf(f, "  %-10s %14lld  %5.1f%%\n", name, n, total ? 100.0 * n / total : 0.0);
}

static void
print_protocols(FILE *f, const json_t *r)
{
	static const char *const l3[] = {"ipv4", "ipv6", "arp", "non_ip"};
	static const char *const l4[] = {"tcp", "udp", "icmp", "icmpv6", "other_l4"};
	const json_t *p = json_object_get(r, "protocols");
	long long total = I(r, "packets");
	const char *k;
	json_t *v;
	size_t i;

	fprintf(f, "\nprotocols (outermost)        packets\n");
	for (i = 0; i < sizeof(l3) / sizeof(l3[0]); i++)
		print_pct(f, l3[i], I(p, l3[i]), total);
	for (i = 0; i < sizeof(l4) / sizeof(l4[0]); i++)
		print_pct(f, l4[i], I(p, l4[i]), total);
	print_pct(f, "malformed", I(p, "malformed"), total);
	json_object_foreach((json_t *)json_object_get(r, "malformed_reasons"), k,
			    v) if (json_integer_value(v))
		fprintf(f, "    %-20s %10lld\n", k, (long long)json_integer_value(v));
}

static void
print_top(FILE *f, const char *title, const json_t *list, const char *key)
{
	const json_t *e;
	size_t i;

	fprintf(f, "\n%-40s %12s %16s\n", title, "packets", "bytes");
	json_array_foreach((json_t *)list, i, e)
	{
		char name[300];

		if (!strcmp(key, "port"))
			snprintf(name, sizeof(name), "%s/%lld",
				 json_string_value(json_object_get(e, "proto")), I(e, "port"));
		else if (!strcmp(key, "site"))
			snprintf(name, sizeof(name), "%s (%lld flows)",
				 json_string_value(json_object_get(e, "name")), I(e, "flows"));
		else if (!strcmp(key, "name"))
			snprintf(name, sizeof(name), "%s (%s)",
				 json_string_value(json_object_get(e, "name")),
				 json_string_value(json_object_get(e, "source")));
		else
			snprintf(name, sizeof(name), "%s",
				 json_string_value(json_object_get(e, key)));
		fprintf(f, "  %-38s %12lld %16lld\n", name,
			I(e, strcmp(key, "name") ? "packets" : "count"), I(e, "bytes"));
	}
	if (json_array_size(list) == 0)
		fprintf(f, "  (none)\n");
}

/* Traffic over time: peak rates and a sparkline of packets per second. */
static void
print_rates(FILE *f, const json_t *rates)
{
	static const char *const bars[] = {"\u2581", "\u2582", "\u2583", "\u2584",
					   "\u2585", "\u2586", "\u2587", "\u2588"};
	const json_t *series = json_object_get(rates, "series"), *e;
	long long peak_p = 0, peak_b = 0, p;
	size_t i, n = json_array_size(series), step;

	if (n == 0)
		return;
	json_array_foreach((json_t *)series, i, e)
	{
		p = (long long)json_integer_value(json_array_get(e, 1));
		peak_p = p > peak_p ? p : peak_p;
		p = (long long)json_integer_value(json_array_get(e, 2));
		peak_b = p > peak_b ? p : peak_b;
	}
	fprintf(f, "\ntraffic over %zu s: peak %lld packets/s, %.1f Mbit/s\n  ", n, peak_p,
		peak_b * 8 / 1e6);
	/* At most 72 columns: each shows the busiest second it covers. */
	step = (n + 71) / 72;
	for (i = 0; i < n; i += step) {
		long long m = 0;

		for (size_t j = i; j < i + step && j < n; j++) {
			p = (long long)json_integer_value(
				json_array_get(json_array_get(series, j), 1));
			m = p > m ? p : m;
		}
		fputs(bars[peak_p ? m * 7 / peak_p : 0], f);
	}
	fputc('\n', f);
}

void
ws_stats_print(FILE *f, const json_t *r)
{
	fprintf(f, "packets %lld  bytes %lld\n", I(r, "packets"), I(r, "bytes"));
	print_protocols(f, r);
	print_top(f, "top destinations", json_object_get(r, "top_dst_ips"), "ip");
	print_top(f, "top sources", json_object_get(r, "top_src_ips"), "ip");
	print_top(f, "top destination ports", json_object_get(r, "top_dst_ports"), "port");
	print_top(f, "hostnames (DNS, TLS SNI, HTTP Host, QUIC)", json_object_get(r, "hosts"),
		  "name");
	print_top(f, "sites (named flows)", json_object_get(r, "sites"), "site");
	print_rates(f, json_object_get(r, "rates"));
}
