/* SPDX-License-Identifier: BSD-3-Clause */
/* Mempool, ports, RX lcores and the rings between them, after EAL is up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "wirestat.h"

static int
rx_lcores_create(struct ws_app *app, char *err, size_t err_size)
{
	const struct ws_run *run = &app->run;
	char name[RTE_RING_NAMESIZE];
	unsigned int i;
	int rc;

	for (i = 0; i < run->n_rx; i++) {
		struct ws_rx_lcore *lc = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*lc));

		if (!lc)
			return -ENOMEM;
		memset(lc, 0, sizeof(*lc));
		app->rx[i] = lc;
		app->n_rx = i + 1;
		rc = ws_rx_lcore_init(lc, &run->sizes, &run->flows, &run->names);
		if (rc < 0) {
			snprintf(err, err_size, "RX lcore %u: cannot allocate its statistics",
				 run->rx_lcore_ids[i]);
			return rc;
		}
		lc->lcore_id = run->rx_lcore_ids[i];
		lc->index = i;
		lc->n_lcores = run->n_rx;
		lc->linktype = run->offline ? run->linktype : WS_LINKTYPE_ETHERNET;
		lc->lossless = run->offline;
		/* Only the offline port is asked for timestamps; a live port is timed by the TSC.
		 */
		lc->ts_offset = run->offline ? ws_port_timestamp_offset() : -1;
		lc->publish_tsc = rte_get_tsc_hz() / 1000 * run->snapshot_ms;
		lc->rss = app->rss;
		lc->qsbr = app->qsbr;
		snprintf(name, sizeof(name), "ws_records_%u", i);
		/* Ended flows wait here for the management lcore; a full ring loses, counted. */
		lc->records = rte_ring_create_elem(name, sizeof(struct ws_flow), WS_RECORD_RING,
						   rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!lc->records) {
			snprintf(err, err_size, "cannot create ring %s: %s", name,
				 rte_strerror(rte_errno));
			return -rte_errno;
		}
	}
	/* DNS answers seen on any RX lcore name the flows of every other one. */
	for (i = 0; i < app->n_rx; i++)
		for (unsigned int j = 0; j < app->n_rx; j++)
			if (j != i)
				app->rx[i]->peer_names[app->rx[i]->n_peer_names++] =
					app->rx[j]->names;
	return 0;
}

/* SPSC rings from a spreading lcore to every other RX lcore. */
static int
spread_rings_create(struct ws_app *app, struct ws_rx_lcore *from, char *err, size_t err_size)
{
	char name[RTE_RING_NAMESIZE];
	unsigned int i;

	for (i = 0; i < app->n_rx; i++) {
		struct ws_rx_lcore *to = app->rx[i];

		if (to == from || from->to[i])
			continue;
		snprintf(name, sizeof(name), "ws_spread_%u_%u", from->index, i);
		from->to[i] = rte_ring_create(name, app->run.ring_size, rte_socket_id(),
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!from->to[i]) {
			snprintf(err, err_size, "cannot create ring %s: %s", name,
				 rte_strerror(rte_errno));
			return -rte_errno;
		}
		to->from_done[to->n_from] = &from->spread_done;
		to->from[to->n_from++] = from->to[i];
	}
	return 0;
}

static int
add_queue(struct ws_app *app, unsigned int lcore, uint16_t port_id, uint16_t queue, bool spread,
	  char *err, size_t err_size)
{
	struct ws_rx_lcore *lc = app->rx[lcore];

	if (lc->n_queues == WS_RX_MAX_QUEUES) {
		snprintf(err, err_size, "RX lcore %u would poll more than %d queues: add RX lcores",
			 lc->lcore_id, WS_RX_MAX_QUEUES);
		return -E2BIG;
	}
	lc->queues[lc->n_queues++] =
		(struct ws_rx_queue){.port_id = port_id, .queue_id = queue, .spread = spread};
	return spread ? spread_rings_create(app, lc, err, err_size) : 0;
}

/*
 * Queues spread by hardware RSS are shared round-robin among the RX lcores;
 * a port with one queue goes to one lcore, which spreads it in software.
 */
static int
queues_assign(struct ws_app *app, char *err, size_t err_size)
{
	unsigned int p, q, next = 0;
	int rc;

	for (p = 0; p < app->n_ports; p++) {
		const struct ws_port *port = &app->ports[p];

		for (q = 0; q < port->rx_queues; q++) {
			rc = add_queue(app, next % app->n_rx, port->port_id, q,
				       !port->rss && app->n_rx > 1, err, err_size);
			if (rc < 0)
				return rc;
			next++;
		}
	}
	return 0;
}

static int
ports_start(struct ws_app *app, char *err, size_t err_size)
{
	unsigned int i;
	int rc;

	for (i = 0; i < app->run.n_ports; i++) {
		rc = ws_port_start(&app->run.port_conf[i], app->pool, &app->ports[i], err,
				   err_size);
		if (rc < 0)
			return rc;
		app->n_ports = i + 1;
	}
	return 0;
}

int
ws_app_setup(struct ws_app *app, char *err, size_t err_size)
{
	const struct ws_run *run = &app->run;
	unsigned int i;
	int rc;

	app->pool = rte_pktmbuf_pool_create("ws_mbufs", run->mbufs, run->mbuf_cache, 0,
					    run->data_room, rte_socket_id());
	if (!app->pool) {
		snprintf(err, err_size, "cannot create a pool of %u mbufs of %u bytes: %s%s",
			 run->mbufs, run->data_room, rte_strerror(rte_errno),
			 rte_errno == ENOMEM ? " (reserve hugepages, or lower mempool.mbufs)" : "");
		return -rte_errno;
	}
	app->rss = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*app->rss));
	app->merged = ws_stats_create(&run->sizes);
	app->scratch = ws_stats_create(&run->sizes);
	if (!app->rss || !app->merged || !app->scratch) {
		snprintf(err, err_size, "out of memory for the statistics");
		return -ENOMEM;
	}
	ws_rss_table_init(app->rss, ws_rss_key);
	app->qsbr =
		rte_zmalloc("ws_qsbr", rte_rcu_qsbr_get_memsize(run->n_rx), RTE_CACHE_LINE_SIZE);
	if (!app->qsbr || rte_rcu_qsbr_init(app->qsbr, run->n_rx) < 0) {
		snprintf(err, err_size, "out of memory for the filter's quiescent-state tracking");
		return -ENOMEM;
	}
	if (run->filter[0]) {
		rc = ws_mgmt_filter(app, run->filter, err, err_size);
		if (rc < 0)
			return rc;
	}
	rc = ports_start(app, err, err_size);
	if (rc == 0)
		rc = rx_lcores_create(app, err, err_size);
	if (rc == 0)
		rc = queues_assign(app, err, err_size);
	if (rc < 0)
		return rc;
	for (i = 0; i < app->n_rx; i++) {
		rc = rte_eal_remote_launch(ws_rx_lcore_main, app->rx[i], app->rx[i]->lcore_id);
		if (rc < 0) {
			snprintf(err, err_size, "cannot launch RX lcore %u: %s",
				 app->rx[i]->lcore_id, rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Stop the RX lcores; each ends its flows and publishes a last snapshot. */
void
ws_app_stop(struct ws_app *app)
{
	unsigned int i, running;

	__atomic_store_n(&ws_rx_quit, 1, __ATOMIC_RELEASE);
	do {
		/* Take their last flow records while they hand them over. */
		ws_mgmt_records(app);
		for (i = 0, running = 0; i < app->n_rx; i++)
			running += !__atomic_load_n(&app->rx[i]->stopped, __ATOMIC_ACQUIRE);
		if (running)
			rte_delay_us_sleep(1000);
	} while (running);
	ws_mgmt_records(app);
	rte_eal_mp_wait_lcore();
}

void
ws_app_teardown(struct ws_app *app)
{
	unsigned int i, j;

	ws_app_stop(app);
	for (i = 0; i < app->n_ports; i++)
		ws_port_stop(&app->ports[i]);
	for (i = 0; i < app->n_rx; i++) {
		for (j = 0; j < WS_RX_MAX_LCORES; j++)
			rte_ring_free(app->rx[i]->to[j]);
		rte_ring_free(app->rx[i]->records);
		ws_rx_lcore_free(app->rx[i]);
		free(app->rx[i]);
	}
	ws_stats_destroy(app->merged);
	ws_stats_destroy(app->scratch);
	if (app->qsbr)
		ws_filter_set(NULL, app->qsbr);
	rte_free(app->qsbr);
	free(app->rss);
	rte_mempool_free(app->pool);
}
