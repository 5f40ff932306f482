/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader tests: the shipped file, defaults, the EAL command line, and one
 * exact message per class of mistake. Fixtures are in tests/data/config/; main()
 * enters the source tree so that messages carry short relative paths.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <ws_config.h>
#include "config_internal.h"

#define DATA "tests/data/config/"

static struct ws_config *
load_ok(const char *path)
{
	char err[WS_CONFIG_ERR_SIZE] = "unchanged";
	struct ws_config *c = ws_config_load(path, err, sizeof(err));

	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(err, "");
	return c;
}

/* The load fails with exactly this message and errno. */
static void
expect_error(const char *path, int want_errno, const char *want)
{
	char err[WS_CONFIG_ERR_SIZE];
	struct ws_config *c;

	errno = 0;
	c = ws_config_load(path, err, sizeof(err));
	assert_null(c);
	assert_string_equal(err, want);
	assert_int_equal(errno, want_errno);
}

static void
expect_argv(const struct ws_config *c, const char *const *want)
{
	char *argv[64];
	char buf[1024];
	int argc, i;

	argc = ws_config_eal_args(c, argv, 64, buf, sizeof(buf));
	for (i = 0; want[i] != NULL && i < argc; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(want[i]);
	assert_int_equal(argc, i);
	assert_null(argv[argc]);
}

/* Every section the minimal file leaves out has exactly the documented defaults. */
static void
assert_default_sections(const struct ws_config *c)
{
	assert_true(c->eal.hugepages);
	assert_int_equal(c->eal.memory_mb, 256);
	assert_string_equal(c->eal.file_prefix, "wirestat");
	assert_false(c->eal.in_memory);
	assert_string_equal(c->eal.log_level, "notice");
	assert_int_equal(c->eal.n_extra_args, 0);
	assert_int_equal(c->mempool.mbufs, 16383);
	assert_int_equal(c->mempool.cache, 256);
	assert_int_equal(c->mempool.data_room, 2176);
	assert_int_equal(c->spread.ring_size, 4096);
	assert_string_equal(c->socket.path, "/run/wirestat/wirestat.sock");
	assert_string_equal(c->socket.mode, "0660");
	assert_string_equal(c->socket.group, "");
	assert_string_equal(c->socket.admin_group, "");
	assert_int_equal(c->analytics.top_capacity, 4096);
	assert_int_equal(c->analytics.host_capacity, 1024);
	assert_int_equal(c->analytics.top_n, 10);
	assert_int_equal(c->analytics.snapshot_ms, 100);
	assert_string_equal(c->prometheus.listen, "127.0.0.1:9573");
	assert_int_equal(c->export.n_ipfix, 0);
	assert_int_equal(c->analytics.tls_hello_slots, 256);
	assert_int_equal(c->analytics.tls_hello_bytes, 4096);
	assert_int_equal(c->analytics.tls_hello_timeout_ms, 2000);
	assert_int_equal(c->analytics.dns_answers, 65536);
}

static void
test_defaults(void **state)
{
	struct ws_config *c = load_ok(DATA "good-minimal.yaml");

	(void)state;
	assert_default_sections(c);
	assert_int_equal(c->n_ports, 1);
	assert_string_equal(c->ports[0].name, "wan");
	assert_string_equal(c->ports[0].device, "0000:3b:00.0");
	assert_int_equal(c->ports[0].rx_queues, 1);
	assert_int_equal(c->ports[0].rx_descriptors, 1024);
	assert_int_equal(c->ports[0].mtu, 1500);
	assert_true(c->ports[0].promiscuous);
	assert_int_equal(c->lcores.management, 0);
	assert_int_equal(c->lcores.n_rx, 1);
	assert_int_equal(c->lcores.rx[0], 1);
	ws_config_free(c);
}

/* conf/wirestat.yaml loads, and spells out the defaults for everything but the NICs. */
static void
test_shipped_config(void **state)
{
	struct ws_config *c = load_ok("conf/wirestat.yaml");
	char *argv[64], buf[1024];

	(void)state;
	assert_default_sections(c);
	assert_int_equal(c->n_ports, 2);
	assert_string_equal(c->ports[0].device, "0000:3b:00.0");
	assert_int_equal(c->ports[0].rx_queues, 2);
	assert_int_equal(c->lcores.n_rx, 2);
	assert_true(ws_config_eal_args(c, argv, 64, buf, sizeof(buf)) > 0);
	ws_config_free(c);
}

/* From memory: the same configuration as from the file, errors named after the buffer. */
static void
test_load_data(void **state)
{
	static const char bad[] = "lcores:\n  rx: [1]\n";
	char err[WS_CONFIG_ERR_SIZE], *text;
	struct ws_config *file = load_ok("conf/wirestat.yaml"), *mem;
	FILE *f = fopen("conf/wirestat.yaml", "rb");
	long n;

	(void)state;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = malloc(n);
	assert_int_equal(fread(text, 1, n, f), (size_t)n);
	fclose(f);
	mem = ws_config_load_data("mem", text, n, err, sizeof(err));
	free(text);
	if (!mem)
		fail_msg("%s", err);
	assert_string_equal(file->eal.file_prefix, mem->eal.file_prefix);
	assert_int_equal(file->n_ports, mem->n_ports);
	assert_string_equal(file->ports[1].device, mem->ports[1].device);
	assert_memory_equal(&file->lcores, &mem->lcores, sizeof(file->lcores));
	assert_memory_equal(&file->mempool, &mem->mempool, sizeof(file->mempool));
	assert_memory_equal(&file->analytics, &mem->analytics, sizeof(file->analytics));
	assert_string_equal(file->socket.path, mem->socket.path);
	ws_config_free(file);
	ws_config_free(mem);
	assert_null(ws_config_load_data("mem", bad, sizeof(bad) - 1, err, sizeof(err)));
	assert_int_equal(strncmp(err, "mem:1: ports: required", 22), 0);
}

static void
test_eal_args_pci_hugepages(void **state)
{
	/* clang-format off */
	static const char *const want[] = {
		"wirestat",
		"-l", "0,1",
		"--main-lcore", "0",
		"--huge-unlink",
		"--file-prefix", "wirestat",
		"--log-level", "notice",
		"-a", "0000:3b:00.0",
		NULL,
	};
	/* clang-format on */
	struct ws_config *c = load_ok(DATA "good-minimal.yaml");

	(void)state;
	expect_argv(c, want);
	ws_config_free(c);
}

static void
test_eal_args_vdev_no_huge(void **state)
{
	/* clang-format off */
	static const char *const want[] = {
		"wirestat",
		"-l", "1,2,3",
		"--main-lcore", "1",
		"--no-huge", "-m", "512",
		"--file-prefix", "ws-test",
		"--log-level", "error",
		"--no-pci",
		"--vdev", "net_pcap0,rx_pcap=/tmp/mix.pcap",
		"--no-telemetry",
		NULL,
	};
	/* clang-format on */
	struct ws_config *c = load_ok(DATA "good-vdev.yaml");

	(void)state;
	assert_false(c->eal.hugepages);
	assert_string_equal(c->eal.log_level, "err");
	assert_int_equal(c->lcores.n_rx, 2);
	expect_argv(c, want);
	ws_config_free(c);
}

static void
test_eal_args_no_space(void **state)
{
	struct ws_config *c = load_ok(DATA "good-minimal.yaml");
	char *argv[13], buf[128];

	(void)state;
	/* 12 arguments and the NULL, 103 bytes: exactly enough fits, one less does not. */
	assert_int_equal(ws_config_eal_args(c, argv, 13, buf, 103), 12);
	assert_int_equal(ws_config_eal_args(c, argv, 12, buf, 103), -ENOSPC);
	assert_int_equal(ws_config_eal_args(c, argv, 13, buf, 102), -ENOSPC);
	assert_int_equal(ws_config_eal_args(NULL, argv, 13, buf, sizeof(buf)), -EINVAL);
	ws_config_free(c);
}

static void
test_device_kinds(void **state)
{
	(void)state;
	assert_int_equal(config_device_kind("0000:3b:00.0"), CONFIG_DEV_PCI);
	assert_int_equal(config_device_kind("3b:1f.7"), CONFIG_DEV_PCI);
	assert_int_equal(config_device_kind("0000:AF:00.1,rxq_cqe_comp_en=0"), CONFIG_DEV_PCI);
	assert_int_equal(config_device_kind("net_pcap0,rx_pcap=/x.pcap"), CONFIG_DEV_VDEV);
	assert_int_equal(config_device_kind("net_null0"), CONFIG_DEV_VDEV);
	assert_int_equal(config_device_kind("eth0"), CONFIG_DEV_BAD);
	assert_int_equal(config_device_kind("0000:3b:20.0"), CONFIG_DEV_BAD);
	assert_int_equal(config_device_kind("0000:3b:00.8"), CONFIG_DEV_BAD);
	assert_int_equal(config_device_kind("0000:3b:00.0,"), CONFIG_DEV_BAD);
	assert_int_equal(config_device_kind("0000:3b:00.0x"), CONFIG_DEV_BAD);
	assert_int_equal(config_device_kind("net_"), CONFIG_DEV_BAD);
	assert_int_equal(config_device_kind("net_pcap0,,a=b"), CONFIG_DEV_BAD);
	assert_int_equal(config_device_kind(""), CONFIG_DEV_BAD);
}

static void
test_log_levels(void **state)
{
	(void)state;
	assert_string_equal(config_log_level_dpdk("emerg"), "emergency");
	assert_string_equal(config_log_level_dpdk("crit"), "critical");
	assert_string_equal(config_log_level_dpdk("error"), "error");
	assert_string_equal(config_log_level_dpdk("debug"), "debug");
	assert_null(config_log_level_dpdk("verbose"));
	assert_null(config_log_level_dpdk(""));
}

static void
test_out_of_range(void **state)
{
	(void)state;
	expect_error(DATA "bad-range.yaml", ERANGE,
		     DATA "bad-range.yaml:8: ports[1].rx_queues: 0 is out of range 1..64");
}

static void
test_hello_bytes_out_of_range(void **state)
{
	(void)state;
	expect_error(DATA "bad-hello-bytes.yaml", ERANGE,
		     DATA "bad-hello-bytes.yaml:8: analytics.tls_hello_bytes: 256 is out of range "
			  "512..65536");
}

static void
test_in_memory_without_hugepages(void **state)
{
	(void)state;
	expect_error(DATA "bad-in-memory.yaml", EINVAL,
		     DATA "bad-in-memory.yaml:4: eal.in_memory: true needs hugepages (DPDK cannot "
			  "keep --no-huge memory without files); set eal.hugepages: true or "
			  "in_memory: false");
}

static void
test_not_a_number(void **state)
{
	(void)state;
	expect_error(DATA "bad-not-number.yaml", EINVAL,
		     DATA "bad-not-number.yaml:8: mempool.mbufs: '16k' is not an unsigned "
			  "decimal integer");
}

static void
test_negative(void **state)
{
	(void)state;
	expect_error(DATA "bad-negative.yaml", ERANGE,
		     DATA "bad-negative.yaml:6: lcores.management: -1 is negative; expected an "
			  "unsigned decimal integer");
}

static void
test_wrong_type(void **state)
{
	(void)state;
	expect_error(DATA "bad-type.yaml", EINVAL,
		     DATA "bad-type.yaml:4: eal.memory_mb: expected an unsigned integer, found a "
			  "sequence");
}

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_error(DATA "bad-unknown-key.yaml", EINVAL,
		     DATA "bad-unknown-key.yaml:3: eal: unknown key 'hugepage'; allowed keys: "
			  "hugepages, memory_mb, file_prefix, in_memory, log_level, extra_args");
}

static void
test_duplicate_port_name(void **state)
{
	(void)state;
	expect_error(DATA "bad-dup-port.yaml", EINVAL,
		     DATA "bad-dup-port.yaml:7: ports[2].name: 'wan' is already the name of "
			  "ports[0] (line 3); port names must be unique");
}

static void
test_bad_device(void **state)
{
	(void)state;
	expect_error(DATA "bad-device.yaml", EINVAL,
		     DATA "bad-device.yaml:4: ports[0].device: 'eth0' is neither a PCI address "
			  "(0000:3b:00.0) nor a virtual device (net_pcap0,rx_pcap=/x.pcap)");
}

static void
test_management_in_rx(void **state)
{
	(void)state;
	expect_error(DATA "bad-mgmt-in-rx.yaml", EINVAL,
		     DATA "bad-mgmt-in-rx.yaml:6: lcores.rx[1]: lcore 0 is the management lcore "
			  "(lcores.management); RX lcores must be other lcores");
}

static void
test_duplicate_rx_lcore(void **state)
{
	(void)state;
	expect_error(DATA "bad-dup-rx.yaml", EINVAL,
		     DATA "bad-dup-rx.yaml:10: lcores.rx[2]: lcore 3 is listed twice (also "
			  "lcores.rx[0]); RX lcores must be unique");
}

static void
test_descriptors_not_power_of_two(void **state)
{
	(void)state;
	expect_error(DATA "bad-descriptors.yaml", EINVAL,
		     DATA "bad-descriptors.yaml:5: ports[0].rx_descriptors: 1000 is not a power "
			  "of two in 64..16384");
}

static void
test_bad_socket_mode(void **state)
{
	(void)state;
	expect_error(DATA "bad-mode.yaml", EINVAL,
		     DATA "bad-mode.yaml:8: socket.mode: '660' is not a mode; allowed: four "
			  "octal digits such as 0660");
}

static void
test_relative_socket_path(void **state)
{
	(void)state;
	expect_error(DATA "bad-relative-path.yaml", EINVAL,
		     DATA "bad-relative-path.yaml:8: socket.path: 'run/wirestat.sock' is not an "
			  "absolute path; it must start with '/'");
}

static void
test_bad_prometheus_listen(void **state)
{
	(void)state;
	expect_error(DATA "bad-prometheus.yaml", EINVAL,
		     DATA "bad-prometheus.yaml:8: prometheus.listen: 'localhost:9573': the address "
			  "must be an IPv4 address or an IPv6 one in brackets (127.0.0.1:9573, "
			  "[::1]:9573, 0.0.0.0:9573 for every interface); \"\" turns the endpoint "
			  "off");
	expect_error(DATA "bad-prometheus-port.yaml", EINVAL,
		     DATA "bad-prometheus-port.yaml:8: prometheus.listen: '127.0.0.1:95730': the "
			  "port must be a number from 0 to 65535; \"\" turns the endpoint off");
}

static void
test_prometheus_off(void **state)
{
	struct ws_config *c = load_ok(DATA "good-vdev.yaml");

	(void)state;
	assert_string_equal(c->prometheus.listen, "");
	ws_config_free(c);
}

static void
test_syntax_error(void **state)
{
	(void)state;
	expect_error(DATA "bad-syntax.yaml", EINVAL,
		     DATA "bad-syntax.yaml:7:8: YAML syntax error: did not find expected ',' or "
			  "']' (while parsing a flow sequence at line 6)");
}

static void
test_missing_file(void **state)
{
	(void)state;
	expect_error(DATA "no-such.yaml", ENOENT,
		     DATA "no-such.yaml: cannot open: No such file or directory");
}

static void
test_empty_file(void **state)
{
	(void)state;
	expect_error(DATA "empty.yaml", EINVAL,
		     DATA "empty.yaml:1: the file has no settings; required keys: ports, lcores");
}

static void
test_missing_required_key(void **state)
{
	(void)state;
	expect_error(DATA "bad-no-lcores.yaml", EINVAL,
		     DATA "bad-no-lcores.yaml:2: lcores: required key is missing");
}

static void
test_duplicate_key(void **state)
{
	(void)state;
	expect_error(DATA "bad-dup-key.yaml", EINVAL,
		     DATA "bad-dup-key.yaml:9: mempool: key 'mbufs' appears twice (first at "
			  "line 8)");
}

/* IPFIX collectors: every key as written, and the defaults of the keys left out. */
static void
test_export(void **state)
{
	struct ws_config *c = load_ok(DATA "good-export.yaml");
	const struct ws_config_ipfix *a = &c->export.ipfix[0], *b = &c->export.ipfix[1];

	(void)state;
	assert_int_equal(c->export.n_ipfix, 2);
	assert_string_equal(a->collector, "[2001:db8::1]:4740");
	assert_string_equal(a->transport, "tcp");
	assert_int_equal(a->observation_domain, 4294967295u);
	assert_int_equal(a->template_refresh_s, 60);
	assert_int_equal(a->buffer_kb, 256);
	assert_false(a->host);
	assert_string_equal(b->collector, "collector.example:4739");
	assert_string_equal(b->transport, "udp");
	assert_int_equal(b->observation_domain, 1);
	assert_int_equal(b->template_refresh_s, 600);
	assert_int_equal(b->buffer_kb, 1024);
	assert_true(b->host);
	ws_config_free(c);
}

static void
test_bad_collector(void **state)
{
	(void)state;
	expect_error(DATA "bad-collector.yaml", EINVAL,
		     DATA "bad-collector.yaml:9: export.ipfix[0].collector: '127.0.0.1' is not a "
			  "collector; allowed: HOST:PORT or [IPv6]:PORT, port 1..65535, e.g. "
			  "127.0.0.1:4739");
}

static void
test_bad_transport(void **state)
{
	(void)state;
	expect_error(DATA "bad-transport.yaml", EINVAL,
		     DATA "bad-transport.yaml:10: export.ipfix[0].transport: 'sctp' is not a "
			  "transport; allowed: udp, tcp");
}

static void
test_duplicate_collector(void **state)
{
	(void)state;
	expect_error(DATA "bad-dup-collector.yaml", EINVAL,
		     DATA "bad-dup-collector.yaml:11: export.ipfix[1].transport: udp "
			  "127.0.0.1:4739 is already export.ipfix[0]; each collector once");
}

static void
test_bad_template_refresh(void **state)
{
	(void)state;
	expect_error(DATA "bad-refresh.yaml", ERANGE,
		     DATA "bad-refresh.yaml:10: export.ipfix[0].template_refresh_s: 5 is out of "
			  "range 10..86400");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shipped_config),
		cmocka_unit_test(test_load_data),
		cmocka_unit_test(test_eal_args_pci_hugepages),
		cmocka_unit_test(test_eal_args_vdev_no_huge),
		cmocka_unit_test(test_eal_args_no_space),
		cmocka_unit_test(test_device_kinds),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_hello_bytes_out_of_range),
		cmocka_unit_test(test_in_memory_without_hugepages),
		cmocka_unit_test(test_not_a_number),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_duplicate_port_name),
		cmocka_unit_test(test_bad_device),
		cmocka_unit_test(test_management_in_rx),
		cmocka_unit_test(test_duplicate_rx_lcore),
		cmocka_unit_test(test_descriptors_not_power_of_two),
		cmocka_unit_test(test_bad_socket_mode),
		cmocka_unit_test(test_relative_socket_path),
		cmocka_unit_test(test_bad_prometheus_listen),
		cmocka_unit_test(test_prometheus_off),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_missing_required_key),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_bad_collector),
		cmocka_unit_test(test_bad_transport),
		cmocka_unit_test(test_duplicate_collector),
		cmocka_unit_test(test_bad_template_refresh),
	};

	if (chdir(WS_SOURCE_ROOT) != 0) {
		perror(WS_SOURCE_ROOT);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
