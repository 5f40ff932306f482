/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws_config_load(): read, walk the document along the schema (config_yaml.c), load
 * with libcyaml, apply defaults (config_schema.c), check every field
 * (config_check.c). The first problem stops the load and becomes the one message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "ws_config.h"

/* Any control byte in a message (from a quoted YAML value) would split the line. */
static void
sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int
error_va(struct load_ctx *x, int rc, unsigned int line, const char *path, const char *fmt,
	 va_list ap)
{
	size_t n;

	if (x->err_size == 0)
		return rc;
	if (line > 0)
		snprintf(x->err, x->err_size, "%s:%u: ", x->file, line);
	else
		snprintf(x->err, x->err_size, "%s: ", x->file);
	n = strlen(x->err);
	if (path != NULL && path[0] != '\0')
		snprintf(x->err + n, x->err_size - n, "%s: ", path);
	n = strlen(x->err);
	vsnprintf(x->err + n, x->err_size - n, fmt, ap);
	sanitize(x->err);
	return rc;
}

int
config_error(struct load_ctx *x, int rc, unsigned int line, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_va(x, rc, line, path, fmt, ap);
	va_end(ap);
	return rc;
}

int
config_fail(struct load_ctx *x, int rc, const char *path, const char *fmt, ...)
{
	char parent[CONFIG_PATH_MAX];
	const struct config_node *n;
	char *cut;
	va_list ap;

	/* A defaulted key has no line of its own: use its section's. */
	snprintf(parent, sizeof(parent), "%s", path);
	while ((n = config_node_find(x, "%s", parent)) == NULL && parent[0] != '\0') {
		cut = strrchr(parent, '.');
		if (cut == NULL)
			cut = parent;
		*cut = '\0';
	}
	va_start(ap, fmt);
	error_va(x, rc, n != NULL ? n->line : 1, path, fmt, ap);
	va_end(ap);
	return rc;
}

static void
cyaml_log_capture(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct load_ctx *x = ctx;

	if (level >= CYAML_LOG_ERROR && x->cyaml_msg[0] == '\0') {
		vsnprintf(x->cyaml_msg, sizeof(x->cyaml_msg), fmt, args);
		x->cyaml_msg[strcspn(x->cyaml_msg, "\n")] = '\0';
	}
}

static const cyaml_config_t cyaml_free_cfg = {
	.mem_fn = cyaml_mem,
	.log_level = CYAML_LOG_ERROR,
};

/* The walk has accepted the document, so libcyaml failing here is a bug of ours. */
static int
cyaml_load(struct load_ctx *x, struct ws_config **c)
{
	const cyaml_config_t cfg = {
		.log_fn = cyaml_log_capture,
		.log_ctx = x,
		.mem_fn = cyaml_mem,
		.log_level = CYAML_LOG_ERROR,
	};
	cyaml_err_t e;

	e = cyaml_load_data(x->data, x->len, &cfg, &config_schema, (cyaml_data_t **)c, NULL);
	if (e == CYAML_OK)
		return 0;
	if (e == CYAML_ERR_OOM)
		return config_error(x, -ENOMEM, 0, NULL, "out of memory");
	return config_error(x, -EINVAL, 0, NULL, "libcyaml: %s: %s", cyaml_strerror(e),
			    x->cyaml_msg);
}

/* The file's bytes are in x->data: parse, walk, load, complete, check. */
static struct ws_config *
load(struct load_ctx *x)
{
	struct ws_config *c = NULL;
	int rc;

	rc = config_yaml_parse(x);
	if (rc < 0)
		goto out;
	rc = config_yaml_walk(x, &config_schema);
	if (rc < 0)
		goto out;
	rc = cyaml_load(x, &c);
	if (rc < 0)
		goto out;
	config_defaults_apply(x, c);
	rc = config_check(x, c);
	if (rc < 0)
		goto out_free_config;
	config_ctx_release(x);
	return c;

out_free_config:
	ws_config_free(c);
out:
	config_ctx_release(x);
	errno = -rc;
	return NULL;
}

struct ws_config *
ws_config_load(const char *path, char *err, size_t err_size)
{
	struct load_ctx x = {.file = path, .err = err, .err_size = err ? err_size : 0};
	int rc;

	if (x.err_size > 0)
		err[0] = '\0';
	if (path == NULL) {
		x.file = "(null)";
		rc = config_error(&x, -EINVAL, 0, NULL, "no configuration file given");
		goto out;
	}
	rc = config_file_read(&x);
	if (rc < 0)
		goto out;
	return load(&x);

out:
	config_ctx_release(&x);
	errno = -rc;
	return NULL;
}

struct ws_config *
ws_config_load_data(const char *name, const void *data, size_t len, char *err, size_t err_size)
{
	struct load_ctx x = {
		.file = name ? name : "(buffer)", .err = err, .err_size = err ? err_size : 0};
	int rc;

	if (x.err_size > 0)
		err[0] = '\0';
	if (len > CONFIG_FILE_MAX) {
		rc = config_error(&x, -EFBIG, 0, NULL, "file is larger than %u bytes",
				  CONFIG_FILE_MAX);
		goto out;
	}
	x.data = malloc(len + 1);
	if (x.data == NULL) {
		rc = config_error(&x, -ENOMEM, 0, NULL, "out of memory");
		goto out;
	}
	memcpy(x.data, data, len);
	x.len = len;
	return load(&x);

out:
	config_ctx_release(&x);
	errno = -rc;
	return NULL;
}

void
ws_config_free(struct ws_config *c)
{
	if (c != NULL)
		cyaml_free(&cyaml_free_cfg, &config_schema, c, 0);
}
