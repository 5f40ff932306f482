/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the config loader's files: load context, node table, error helpers. */
#ifndef WS_CONFIG_INTERNAL_H
#define WS_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cyaml/cyaml.h>
#include <yaml.h>

struct ws_config;

/* Longest YAML path kept, e.g. "ports[31].rx_descriptors". */
#define CONFIG_PATH_MAX 64
/* Larger files are refused before parsing. */
#define CONFIG_FILE_MAX (1024 * 1024)

/* Where a YAML path was seen: every node the schema walk visits gets one. */
struct config_node {
	char path[CONFIG_PATH_MAX];
	unsigned int line; /* 1-based */
};

/* One load: the file's bytes, its libyaml document and what was seen where. */
struct load_ctx {
	const char *file;
	char *err;
	size_t err_size;
	uint8_t *data;
	size_t len;
	yaml_document_t doc;
	bool have_doc;
	struct config_node *nodes;
	unsigned int n_nodes;
	unsigned int cap_nodes;
	char cyaml_msg[160]; /* first libcyaml error line, for the unexpected case */
};

/* The schema of the whole file (config_schema.c). */
extern const cyaml_schema_value_t config_schema;

/* config.c: write "FILE[:LINE]: [PATH: ]message" to the caller's buffer; returns rc. */
int config_error(struct load_ctx *x, int rc, unsigned int line, const char *path, const char *fmt,
		 ...) __attribute__((format(printf, 5, 6)));
/* Same, with the line where path was seen (or its nearest parent). */
int config_fail(struct load_ctx *x, int rc, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* config_yaml.c */
int config_file_read(struct load_ctx *x);
int config_yaml_parse(struct load_ctx *x);
int config_yaml_walk(struct load_ctx *x, const cyaml_schema_value_t *schema);
void config_ctx_release(struct load_ctx *x);
/* The node seen at the printf-formatted path, or NULL if the file does not have it. */
const struct config_node *config_node_find(const struct load_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* config_schema.c: set every field the file left out. */
void config_defaults_apply(const struct load_ctx *x, struct ws_config *c);

/* config_check.c */
int config_check(struct load_ctx *x, const struct ws_config *c);

enum config_dev_kind {
	CONFIG_DEV_BAD,
	CONFIG_DEV_PCI,	 /* DDDD:BB:DD.F or BB:DD.F, optionally ",devargs" */
	CONFIG_DEV_VDEV, /* net_<name>, optionally ",devargs" */
};

/* What kind of device string this is. */
enum config_dev_kind config_device_kind(const char *dev);

/* DPDK's spelling of a log level name, or NULL if it is not one. */
const char *config_log_level_dpdk(const char *name);

#endif /* WS_CONFIG_INTERNAL_H */
