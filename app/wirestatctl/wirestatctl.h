/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirestatctl: the command-line client of the wirestat control socket
 * (docs/control.md). Private to app/wirestatctl.
 */
#ifndef WIRESTATCTL_H
#define WIRESTATCTL_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* Exit codes scripts can rely on; --help and docs/control.md list them. */
enum wsctl_exit {
	WSCTL_OK = 0,	   /* success */
	WSCTL_EDAEMON = 1, /* the daemon answered with an error */
	WSCTL_EUSAGE = 2,  /* bad command line */
	WSCTL_EDOWN = 3,   /* the daemon is not running */
	WSCTL_EREPLY = 4,  /* timeout, lost connection, malformed reply */
};

/* A connection to the daemon and how to talk to it. */
struct wsctl {
	const char *socket; /* path of the control socket */
	const char *cmd;    /* command being run, for messages */
	int timeout_ms;	    /* wait for each reply */
	int fd;		    /* -1 until connected */
	bool json;	    /* --json */
};

/* Watch options: refresh period and how many refreshes (0: until q). */
struct wsctl_watch_opts {
	unsigned int interval_ms;
	unsigned int count;
};

/* A number or "-", formatted into a value that lives to the end of the full expression. */
struct wsctl_num {
	char s[32];
};

/* wirestatctl.c */
int wsctl_open(struct wsctl *c);
json_t *wsctl_call(struct wsctl *c, json_t *req, int *rc);

/*
 * show.c: tables for people. Any reply shape prints, missing fields as "-";
 * a result of the wrong type returns WSCTL_EREPLY.
 */
struct wsctl_num wsctl_int(const json_t *o, const char *key);
struct wsctl_num wsctl_si(double v, const char *unit);
struct wsctl_num wsctl_duration(const json_t *seconds);
const char *wsctl_cell(char *buf, size_t size, const char *s, unsigned int cols);
int wsctl_show_status(FILE *f, const json_t *r);
int wsctl_show_stats(FILE *f, const json_t *r);
int wsctl_show_top(FILE *f, const json_t *r);
int wsctl_show_cores(FILE *f, const json_t *r);
int wsctl_show_ports(FILE *f, const json_t *r);
int wsctl_show_reset(FILE *f, const json_t *r);
int wsctl_show_filter(FILE *f, const json_t *r);
int wsctl_show_unique(FILE *f, const json_t *r);
int wsctl_show_rates(FILE *f, const json_t *r);
int wsctl_show_flows(FILE *f, const json_t *r);
int wsctl_show_export(FILE *f, const json_t *r);
int wsctl_show_help(FILE *f, const json_t *r);

/* watch.c */
int wsctl_watch(struct wsctl *c, const struct wsctl_watch_opts *o);

#endif /* WIRESTATCTL_H */
