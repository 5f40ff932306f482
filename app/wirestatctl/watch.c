/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirestatctl watch: a live view in the manner of top(1). Every interval it
 * asks for the report, turns the difference from the last one into rates,
 * and redraws one 80x24 frame in place with ANSI sequences (no curses).
 *
 * q or Ctrl-C quits. The terminal signals stay blocked except while waiting
 * in ppoll(), so a signal always ends the loop at a point where the
 * terminal can be put back as it was.
 */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "wirestatctl.h"

#define HISTORY 64  /* pps samples in the sparkline */
#define TOP_ROWS 5  /* entries per top list */
#define KEY_COLS 36 /* key column of the top tables */

#define ANSI_HOME "\033[H"
#define ANSI_CLEAR "\033[2J"
#define ANSI_CLEAR_EOL "\033[K"
#define ANSI_CLEAR_EOS "\033[J"
#define ANSI_HIDE_CURSOR "\033[?25l"
#define ANSI_SHOW_CURSOR "\033[?25h"

static volatile sig_atomic_t quit_signal;

/* Counters of one report; valid is false when they were missing. */
struct sample {
	double t; /* seconds, monotonic */
	json_int_t packets, bytes, drops;
	bool valid;
};

/* Per second since the previous report; negative: unknown. */
struct rates {
	double dt, pps, bps, drops;
};

struct watch {
	struct wsctl *c;
	const struct wsctl_watch_opts *o;
	bool tty_in, tty_out;
	struct termios saved;
	sigset_t old_mask;
	double hist[HISTORY];
	unsigned int n_hist;
	struct sample prev;
	json_t *prev_report; /* for the rates of top-list entries */
	unsigned int rows, cols;
};

static void
on_signal(int sig)
{
	quit_signal = sig;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Catch the terminal signals (delivered only in ppoll), keys without Enter. */
static void
term_setup(struct watch *w)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa = {.sa_handler = on_signal};
	struct termios raw;
	sigset_t block;
	size_t i;

	sigemptyset(&block);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&block, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &w->old_mask);
	w->tty_in = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &w->saved) == 0;
	if (w->tty_in) {
		raw = w->saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	w->tty_out = !w->c->json && isatty(STDOUT_FILENO);
	if (w->tty_out)
		fputs(ANSI_HIDE_CURSOR ANSI_HOME ANSI_CLEAR, stdout);
}

static void
term_restore(struct watch *w)
{
	if (w->tty_out)
		fputs(ANSI_SHOW_CURSOR, stdout);
	fflush(stdout);
	if (w->tty_in)
		tcsetattr(STDIN_FILENO, TCSANOW, &w->saved);
	sigprocmask(SIG_SETMASK, &w->old_mask, NULL);
}

/* Sleep until the deadline. @return 1 when q, Ctrl-D or a signal asks to quit. */
static int
wait_until(struct watch *w, double deadline)
{
	struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
	struct timespec ts;
	char keys[32];
	double left;
	ssize_t n;

	while (!quit_signal) {
		left = deadline - now_s();
		if (left <= 0)
			return 0;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		if (ppoll(&p, w->tty_in ? 1 : 0, &ts, &w->old_mask) <= 0)
			continue;
		n = read(STDIN_FILENO, keys, sizeof(keys));
		if (n <= 0 || memchr(keys, 'q', n) || memchr(keys, 'Q', n) || memchr(keys, 4, n))
			return 1;
	}
	return 1;
}

static void
take_sample(const json_t *r, double t, struct sample *s)
{
	const json_t *p = json_object_get(r, "packets"), *b = json_object_get(r, "bytes");
	const json_t *d = json_object_get(json_object_get(r, "drops"), "total");

	s->t = t;
	s->valid = json_is_integer(p) && json_is_integer(b);
	s->packets = json_integer_value(p);
	s->bytes = json_integer_value(b);
	s->drops = json_is_integer(d) ? json_integer_value(d) : -1;
}

/* Rates from the previous sample; a reset in between makes them unknown. */
static void
compute_rates(struct watch *w, const struct sample *cur, struct rates *rt)
{
	const struct sample *prev = &w->prev;

	*rt = (struct rates){-1, -1, -1, -1};
	if (!prev->valid || !cur->valid || cur->t <= prev->t)
		return;
	rt->dt = cur->t - prev->t;
	if (cur->packets < prev->packets || cur->bytes < prev->bytes)
		return;
	rt->pps = (cur->packets - prev->packets) / rt->dt;
	rt->bps = 8.0 * (cur->bytes - prev->bytes) / rt->dt;
	if (prev->drops >= 0 && cur->drops >= prev->drops)
		rt->drops = (cur->drops - prev->drops) / rt->dt;
	if (w->n_hist == HISTORY)
		memmove(w->hist, w->hist + 1, sizeof(w->hist[0]) * (HISTORY - 1));
	else
		w->n_hist++;
	w->hist[w->n_hist - 1] = rt->pps;
}

static void
frame_header(FILE *f, const struct watch *w, const json_t *r)
{
	char sock[128], clock[16];
	time_t now = time(NULL);
	struct tm tm;

	clock[0] = '\0';
	if (localtime_r(&now, &tm))
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	fprintf(f, "wirestat %s  up %-9s  every %.1fs  %s\n\n",
		wsctl_cell(sock, sizeof(sock), w->c->socket, 30),
		wsctl_duration(json_object_get(json_object_get(r, "time"), "uptime_s")).s,
		w->o->interval_ms / 1000.0, clock);
}

static void
frame_rates(FILE *f, const json_t *r, const struct rates *rt, const struct sample *s)
{
	const json_t *d = json_object_get(r, "drops");
	struct wsctl_num avg = {"-"};

	if (rt->pps > 0)
		snprintf(avg.s, sizeof(avg.s), "%.0f B", rt->bps / 8 / rt->pps);
	fprintf(f, "  packets/s %-12s  bits/s %-13s  average packet %s\n",
		wsctl_si(rt->pps, "pps").s, wsctl_si(rt->bps, "bit/s").s, avg.s);
	fprintf(f, "  total     %s packets, %s bytes\n", wsctl_int(r, "packets").s,
		wsctl_int(r, "bytes").s);
	fprintf(f, "  dropped   %s (%s/s): missed %s, errors %s, no mbuf %s, ring full %s\n\n",
		s->drops >= 0 ? wsctl_int(d, "total").s : "-", wsctl_si(rt->drops, "").s,
		wsctl_int(d, "nic_missed").s, wsctl_int(d, "nic_errors").s,
		wsctl_int(d, "mbuf_exhausted").s, wsctl_int(d, "spread_ring_full").s);
}

/* pps history as block characters: ▁ is zero, ▂..█ scale up to the peak. */
static void
frame_history(FILE *f, const struct watch *w)
{
	static const char *const blocks[] = {"\u2581", "\u2582", "\u2583", "\u2584",
					     "\u2585", "\u2586", "\u2587", "\u2588"};
	unsigned int i, width = w->cols > 12 ? w->cols - 12 : 1, first;
	double peak = 0;

	if (width > HISTORY)
		width = HISTORY;
	first = w->n_hist > width ? w->n_hist - width : 0;
	for (i = first; i < w->n_hist; i++)
		if (w->hist[i] > peak)
			peak = w->hist[i];
	fprintf(f, "  pps  ");
	for (i = first; i < w->n_hist; i++)
		fputs(w->hist[i] <= 0 ? blocks[0] : blocks[1 + (int)(w->hist[i] / peak * 6.999)],
		      f);
	if (w->n_hist == 0)
		fputs("(history starts with the next refresh)", f);
	fprintf(f, "\n       peak %s over the last %u refreshes\n\n", wsctl_si(peak, "pps").s,
		w->n_hist - first);
}

/* The same entry in the previous report's list: same address, or same name and source. */
static const json_t *
prev_entry(const json_t *prev_list, const json_t *e)
{
	const json_t *p;
	size_t i;

	for (i = 0; i < json_array_size(prev_list); i++) {
		p = json_array_get(prev_list, i);
		if (json_object_get(e, "ip")) {
			if (json_equal(json_object_get(e, "ip"), json_object_get(p, "ip")))
				return p;
		} else if (json_equal(json_object_get(e, "name"), json_object_get(p, "name")) &&
			   json_equal(json_object_get(e, "source"), json_object_get(p, "source"))) {
			return p;
		}
	}
	return NULL;
}

static struct wsctl_num
entry_rate(const json_t *e, const json_t *prev_list, const char *count, const struct rates *rt)
{
	const json_t *p = prev_entry(prev_list, e);
	json_int_t now = json_integer_value(json_object_get(e, count));
	json_int_t before = json_integer_value(json_object_get(p, count));

	if (!p || rt->pps < 0 || now < before)
		return wsctl_si(-1, "");
	return wsctl_si((now - before) / rt->dt, "");
}

/* Top TOP_ROWS of one list: key (with the source for hostnames), rate, totals. */
static void
frame_top(FILE *f, const char *title, const json_t *list, const json_t *prev_list,
	  const struct rates *rt)
{
	const char *count = strcmp(title, "hostnames") ? "packets" : "count";
	char key[512], src[16];
	const json_t *e, *k;
	size_t i;

	fprintf(f, "%-38s %10s %12s %14s\n", title, "pps", "packets", "bytes");
	for (i = 0; i < json_array_size(list) && i < TOP_ROWS; i++) {
		e = json_array_get(list, i);
		k = json_object_get(e, "ip");
		if (k)
			fprintf(f, "  %s",
				wsctl_cell(key, sizeof(key), json_string_value(k), KEY_COLS));
		else
			fprintf(f, "  %s %s",
				wsctl_cell(key, sizeof(key),
					   json_string_value(json_object_get(e, "name")),
					   KEY_COLS - 6),
				wsctl_cell(src, sizeof(src),
					   json_string_value(json_object_get(e, "source")), 5));
		fprintf(f, " %10s %12s %14s\n", entry_rate(e, prev_list, count, rt).s,
			wsctl_int(e, count).s, wsctl_int(e, "bytes").s);
	}
	if (json_array_size(list) == 0)
		fprintf(f, "  (none yet)\n");
	fputc('\n', f);
}

/* Bytes of the first cols display columns of s[0..len) (UTF-8: one column a character). */
static size_t
cut_columns(const char *s, size_t len, unsigned int cols)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && cols-- == 0)
			break;
	return i;
}

/*
 * The frame goes out at once; on a terminal each line is cut to its width (a
 * wrapped line would push the frame off the screen) and clears what was left
 * of the last one.
 */
static void
emit(const struct watch *w, const char *text)
{
	unsigned int line;
	size_t len;

	if (!w->tty_out) {
		fputs(text, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		return;
	}
	fputs(ANSI_HOME, stdout);
	for (line = 0; *text && line < w->rows; line++) {
		len = strcspn(text, "\n");
		if (line > 0)
			fputc('\n', stdout);
		fwrite(text, 1, cut_columns(text, len, w->cols), stdout);
		fputs(ANSI_CLEAR_EOL, stdout);
		text += len + (text[len] == '\n');
	}
	fputs(ANSI_CLEAR_EOS, stdout);
	fflush(stdout);
}

static void
draw_frame(struct watch *w, const json_t *r, const struct rates *rt, const struct sample *s)
{
	const json_t *prev = w->prev_report;
	struct winsize ws;
	size_t len = 0;
	char *text = NULL;
	FILE *f;

	w->rows = 24;
	w->cols = 80;
	if (w->tty_out && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		w->rows = ws.ws_row;
		w->cols = ws.ws_col;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return;
	frame_header(f, w, r);
	frame_rates(f, r, rt, s);
	frame_history(f, w);
	frame_top(f, "top destinations", json_object_get(r, "top_dst_ips"),
		  json_object_get(prev, "top_dst_ips"), rt);
	frame_top(f, "hostnames", json_object_get(r, "hosts"), json_object_get(prev, "hosts"), rt);
	if (w->tty_out)
		fprintf(f, "q or Ctrl-C quits");
	fclose(f);
	emit(w, text);
	free(text);
}

static json_t *
rate_json(double v)
{
	return v >= 0 ? json_real(v) : json_null();
}

/* --json: one line per refresh, rates null until there are two reports. */
static void
print_json_line(const struct rates *rt, const struct sample *s)
{
	struct timespec ts;
	json_t *o;

	clock_gettime(CLOCK_REALTIME, &ts);
	o = json_pack(
		"{s:f, s:o, s:I, s:I, s:o, s:o, s:o, s:o}", "time", ts.tv_sec + ts.tv_nsec / 1e9,
		"interval_s", rate_json(rt->dt), "packets", s->packets, "bytes", s->bytes, "drops",
		s->drops >= 0 ? json_integer(s->drops) : json_null(), "pps", rate_json(rt->pps),
		"bps", rate_json(rt->bps), "drops_per_s", rate_json(rt->drops));

	if (!o)
		return;
	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(o);
}

/* One refresh: ask, compute, draw. @return 0 or an exit code. */
static int
refresh(struct watch *w)
{
	struct sample cur;
	struct rates rt;
	json_t *r;
	int rc;

	r = wsctl_call(w->c, json_pack("{s:s, s:i}", "cmd", "stats", "n", TOP_ROWS), &rc);
	if (!r)
		return rc;
	if (!json_is_object(r)) {
		json_decref(r);
		fprintf(stderr,
			"wirestatctl: watch: malformed reply: the result is not an object\n");
		return WSCTL_EREPLY;
	}
	take_sample(r, now_s(), &cur);
	compute_rates(w, &cur, &rt);
	if (w->c->json)
		print_json_line(&rt, &cur);
	else
		draw_frame(w, r, &rt, &cur);
	json_decref(w->prev_report);
	w->prev_report = r;
	w->prev = cur;
	return WSCTL_OK;
}

int
wsctl_watch(struct wsctl *c, const struct wsctl_watch_opts *o)
{
	struct watch w = {.c = c, .o = o};
	double next;
	unsigned int i;
	int rc;

	rc = wsctl_open(c);
	if (rc)
		return rc;
	term_setup(&w);
	next = now_s();
	for (i = 0; rc == WSCTL_OK && (o->count == 0 || i < o->count); i++) {
		if (i > 0 && wait_until(&w, next))
			break;
		rc = refresh(&w);
		/* A slow reply delays the next refresh rather than bunching them. */
		next += o->interval_ms / 1000.0;
		if (next < now_s())
			next = now_s() + o->interval_ms / 1000.0;
	}
	if (w.tty_out && rc == WSCTL_OK)
		fputc('\n', stdout);
	term_restore(&w);
	json_decref(w.prev_report);
	return rc;
}
