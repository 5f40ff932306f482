/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The libyaml pass: read the file, parse it into a document, and walk the document
 * along the libcyaml schema before libcyaml sees it.
 *
 * libcyaml gives no line numbers and is lenient where a config must not be: it
 * reads "0660" as octal, "1.5" as 1 and "16k" as 16, takes any unknown word as a
 * true boolean, and libcyaml 1.3.1 crashes on an empty file. The walk rejects all
 * of that with the YAML path and line, and records where each path was seen so
 * that later checks and defaults can find it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

int
config_file_read(struct load_ctx *x)
{
	FILE *f;
	size_t n;
	int rc = 0;

	f = fopen(x->file, "rb");
	if (f == NULL)
		return config_error(x, -errno, 0, NULL, "cannot open: %s", strerror(errno));
	x->data = malloc(CONFIG_FILE_MAX + 1);
	if (x->data == NULL) {
		rc = config_error(x, -ENOMEM, 0, NULL, "out of memory");
		goto out_close;
	}
	n = fread(x->data, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f))
		rc = config_error(x, errno ? -errno : -EIO, 0, NULL, "cannot read: %s",
				  strerror(errno ? errno : EIO));
	else if (n > CONFIG_FILE_MAX)
		rc = config_error(x, -EFBIG, 0, NULL, "file is larger than %u bytes",
				  CONFIG_FILE_MAX);
	x->len = n;
out_close:
	fclose(f);
	return rc;
}

static int
syntax_error(struct load_ctx *x, const yaml_parser_t *p)
{
	char ctx[96] = "";

	if (p->error == YAML_MEMORY_ERROR)
		return config_error(x, -ENOMEM, 0, NULL, "out of memory");
	if (p->error == YAML_READER_ERROR)
		return config_error(x, -EINVAL, 0, NULL, "byte %zu: YAML read error: %s",
				    p->problem_offset, p->problem);
	if (p->context != NULL)
		snprintf(ctx, sizeof(ctx), " (%s at line %zu)", p->context,
			 p->context_mark.line + 1);
	if (x->err_size > 0)
		snprintf(x->err, x->err_size, "%s:%zu:%zu: YAML syntax error: %s%s", x->file,
			 p->problem_mark.line + 1, p->problem_mark.column + 1, p->problem, ctx);
	return -EINVAL;
}

/* One document with a root node; a second document is refused. */
int
config_yaml_parse(struct load_ctx *x)
{
	yaml_parser_t p;
	yaml_document_t next;
	yaml_node_t *root;
	int rc = 0;

	if (!yaml_parser_initialize(&p))
		return config_error(x, -ENOMEM, 0, NULL, "out of memory");
	yaml_parser_set_input_string(&p, x->data, x->len);
	if (!yaml_parser_load(&p, &x->doc)) {
		rc = syntax_error(x, &p);
		goto out_parser;
	}
	x->have_doc = true;
	if (!yaml_parser_load(&p, &next)) {
		rc = syntax_error(x, &p);
		goto out_parser;
	}
	root = yaml_document_get_root_node(&next);
	if (root != NULL)
		rc = config_error(x, -EINVAL, root->start_mark.line + 1, NULL,
				  "a second YAML document starts here; only one is allowed");
	yaml_document_delete(&next);
out_parser:
	yaml_parser_delete(&p);
	return rc;
}

static int
node_add(struct load_ctx *x, const char *path, const yaml_node_t *n)
{
	struct config_node *nodes;

	if (x->n_nodes == x->cap_nodes) {
		unsigned int cap = x->cap_nodes ? 2 * x->cap_nodes : 64;

		nodes = realloc(x->nodes, cap * sizeof(*nodes));
		if (nodes == NULL)
			return config_error(x, -ENOMEM, 0, NULL, "out of memory");
		x->nodes = nodes;
		x->cap_nodes = cap;
	}
	snprintf(x->nodes[x->n_nodes].path, CONFIG_PATH_MAX, "%s", path);
	x->nodes[x->n_nodes].line = n->start_mark.line + 1;
	x->n_nodes++;
	return 0;
}

const struct config_node *
config_node_find(const struct load_ctx *x, const char *fmt, ...)
{
	char path[CONFIG_PATH_MAX];
	unsigned int i;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	for (i = 0; i < x->n_nodes; i++)
		if (strcmp(x->nodes[i].path, path) == 0)
			return &x->nodes[i];
	return NULL;
}

static const char *
scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static const char *
type_name(const cyaml_schema_value_t *s)
{
	switch (s->type) {
	case CYAML_MAPPING:
		return "a mapping";
	case CYAML_SEQUENCE:
		return "a sequence";
	case CYAML_UINT:
		return "an unsigned integer";
	case CYAML_BOOL:
		return "true or false";
	default:
		return "a string";
	}
}

static int
type_error(struct load_ctx *x, const yaml_node_t *n, const cyaml_schema_value_t *s,
	   const char *path)
{
	unsigned int line = n->start_mark.line + 1;

	if (n->type == YAML_MAPPING_NODE)
		return config_error(x, -EINVAL, line, path, "expected %s, found a mapping",
				    type_name(s));
	if (n->type == YAML_SEQUENCE_NODE)
		return config_error(x, -EINVAL, line, path, "expected %s, found a sequence",
				    type_name(s));
	if (n->data.scalar.length == 0 && s->type == CYAML_MAPPING)
		return config_error(x, -EINVAL, line, path,
				    "expected a mapping, found an empty value; write {} or "
				    "remove the key to get the defaults");
	if (n->data.scalar.length == 0)
		return config_error(x, -EINVAL, line, path, "expected %s, found an empty value",
				    type_name(s));
	return config_error(x, -EINVAL, line, path, "expected %s, found '%s'", type_name(s),
			    scalar(n));
}

static bool
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return len > 0;
}

/* Plain decimal only: no sign, leading zero, base prefix, fraction or suffix. */
static int
walk_uint(struct load_ctx *x, const yaml_node_t *n, const char *path)
{
	const char *t = scalar(n);
	size_t len = n->data.scalar.length;
	unsigned int line = n->start_mark.line + 1;

	if (len == 0)
		return config_error(x, -EINVAL, line, path,
				    "no value; expected an unsigned decimal integer");
	if (t[0] == '-' && all_digits(t + 1, len - 1))
		return config_error(x, -ERANGE, line, path,
				    "%s is negative; expected an unsigned decimal integer", t);
	if (!all_digits(t, len) || (t[0] == '0' && len > 1))
		return config_error(x, -EINVAL, line, path,
				    "'%s' is not an unsigned decimal integer", t);
	if (len > 10 || strtoull(t, NULL, 10) > UINT32_MAX)
		return config_error(x, -ERANGE, line, path,
				    "%s is too large; at most %u is possible", t, UINT32_MAX);
	return 0;
}

static int
walk_bool(struct load_ctx *x, const yaml_node_t *n, const char *path)
{
	static const char *const words[] = {"true", "false", "yes", "no", "on", "off"};
	unsigned int i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(scalar(n), words[i]) == 0)
			return 0;
	return config_error(x, -EINVAL, n->start_mark.line + 1, path,
			    "'%s' is not a boolean; expected true or false", scalar(n));
}

static int
walk_string(struct load_ctx *x, const yaml_node_t *n, const cyaml_schema_value_t *s,
	    const char *path)
{
	size_t len = n->data.scalar.length;
	unsigned int line = n->start_mark.line + 1;

	if (strlen(scalar(n)) != len)
		return config_error(x, -EINVAL, line, path, "the value contains a NUL byte");
	if (len > s->string.max)
		return config_error(x, -ERANGE, line, path,
				    "'%s' is too long (%zu bytes); at most %u bytes are allowed",
				    scalar(n), len, s->string.max);
	return 0;
}

static int walk_value(struct load_ctx *x, const yaml_node_t *n, const cyaml_schema_value_t *s,
		      char *path, size_t len);

static int
walk_sequence(struct load_ctx *x, const yaml_node_t *n, const cyaml_schema_value_t *s, char *path,
	      size_t len)
{
	const yaml_node_item_t *it = n->data.sequence.items.start;
	size_t count = n->data.sequence.items.top - it;
	size_t i;
	int rc;

	if (count < s->sequence.min || count > s->sequence.max)
		return config_error(x, -ERANGE, n->start_mark.line + 1, path,
				    "%zu entries; %u..%u are allowed", count, s->sequence.min,
				    s->sequence.max);
	for (i = 0; i < count; i++) {
		snprintf(path + len, CONFIG_PATH_MAX - len, "[%zu]", i);
		rc = walk_value(x, yaml_document_get_node(&x->doc, it[i]), s->sequence.entry, path,
				strlen(path));
		path[len] = '\0';
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const cyaml_schema_field_t *
field_find(const cyaml_schema_value_t *s, const char *key)
{
	const cyaml_schema_field_t *f;

	for (f = s->mapping.fields; f->key != NULL; f++)
		if (strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

static const yaml_node_t *
pair_find(const struct load_ctx *x, const yaml_node_t *n, const yaml_node_pair_t *end,
	  const char *key)
{
	yaml_document_t *doc = (yaml_document_t *)&x->doc;
	const yaml_node_pair_t *p;
	const yaml_node_t *k;

	for (p = n->data.mapping.pairs.start; p < end; p++) {
		k = yaml_document_get_node(doc, p->key);
		if (k->type == YAML_SCALAR_NODE && strcmp(scalar(k), key) == 0)
			return k;
	}
	return NULL;
}

/* The key must be a known, first-seen scalar; returns its field or NULL after an error. */
static const cyaml_schema_field_t *
walk_key(struct load_ctx *x, const yaml_node_t *n, const yaml_node_pair_t *p,
	 const cyaml_schema_value_t *s, const char *path, int *rc)
{
	const yaml_node_t *k = yaml_document_get_node(&x->doc, p->key);
	const yaml_node_t *first;
	const cyaml_schema_field_t *f;
	char allowed[256] = "";

	if (k->type != YAML_SCALAR_NODE) {
		*rc = config_error(x, -EINVAL, k->start_mark.line + 1, path,
				   "a key must be a plain word, not a %s",
				   k->type == YAML_MAPPING_NODE ? "mapping" : "sequence");
		return NULL;
	}
	f = field_find(s, scalar(k));
	if (f == NULL) {
		for (f = s->mapping.fields; f->key != NULL; f++)
			snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed),
				 "%s%s", f == s->mapping.fields ? "" : ", ", f->key);
		*rc = config_error(x, -EINVAL, k->start_mark.line + 1, path,
				   "unknown key '%s'; allowed keys: %s", scalar(k), allowed);
		return NULL;
	}
	first = pair_find(x, n, p, scalar(k));
	if (first != NULL) {
		*rc = config_error(x, -EINVAL, k->start_mark.line + 1, path,
				   "key '%s' appears twice (first at line %zu)", scalar(k),
				   first->start_mark.line + 1);
		return NULL;
	}
	return f;
}

static int
walk_mapping(struct load_ctx *x, const yaml_node_t *n, const cyaml_schema_value_t *s, char *path,
	     size_t len)
{
	const yaml_node_pair_t *p, *end = n->data.mapping.pairs.top;
	const cyaml_schema_field_t *f;
	int rc = 0;

	for (p = n->data.mapping.pairs.start; p < end && rc == 0; p++) {
		f = walk_key(x, n, p, s, path, &rc);
		if (f == NULL)
			return rc;
		snprintf(path + len, CONFIG_PATH_MAX - len, "%s%s", len ? "." : "", f->key);
		rc = walk_value(x, yaml_document_get_node(&x->doc, p->value), &f->value, path,
				strlen(path));
		path[len] = '\0';
	}
	for (f = s->mapping.fields; f->key != NULL && rc == 0; f++) {
		if ((f->value.flags & CYAML_FLAG_OPTIONAL) || pair_find(x, n, end, f->key))
			continue;
		snprintf(path + len, CONFIG_PATH_MAX - len, "%s%s", len ? "." : "", f->key);
		rc = config_error(x, -EINVAL, n->start_mark.line + 1, path,
				  "required key is missing");
	}
	return rc;
}

static int
walk_value(struct load_ctx *x, const yaml_node_t *n, const cyaml_schema_value_t *s, char *path,
	   size_t len)
{
	int rc = node_add(x, path, n);

	if (rc < 0)
		return rc;
	switch (s->type) {
	case CYAML_MAPPING:
		if (n->type != YAML_MAPPING_NODE)
			return type_error(x, n, s, path);
		return walk_mapping(x, n, s, path, len);
	case CYAML_SEQUENCE:
		if (n->type != YAML_SEQUENCE_NODE)
			return type_error(x, n, s, path);
		return walk_sequence(x, n, s, path, len);
	default:
		if (n->type != YAML_SCALAR_NODE)
			return type_error(x, n, s, path);
		if (s->type == CYAML_UINT)
			return walk_uint(x, n, path);
		if (s->type == CYAML_BOOL)
			return walk_bool(x, n, path);
		return walk_string(x, n, s, path);
	}
}

static int
empty_error(struct load_ctx *x)
{
	const cyaml_schema_field_t *f;
	char required[128] = "";

	for (f = config_schema.mapping.fields; f->key != NULL; f++)
		if (!(f->value.flags & CYAML_FLAG_OPTIONAL))
			snprintf(required + strlen(required), sizeof(required) - strlen(required),
				 "%s%s", required[0] ? ", " : "", f->key);
	return config_error(x, -EINVAL, 1, NULL, "the file has no settings; required keys: %s",
			    required);
}

int
config_yaml_walk(struct load_ctx *x, const cyaml_schema_value_t *schema)
{
	yaml_node_t *root = yaml_document_get_root_node(&x->doc);
	char path[CONFIG_PATH_MAX] = "";

	if (root == NULL || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
		return empty_error(x);
	if (root->type != YAML_MAPPING_NODE)
		return config_error(x, -EINVAL, root->start_mark.line + 1, NULL,
				    "the top level must be a mapping of sections (eal, ports, "
				    "lcores, ...), not a %s",
				    root->type == YAML_SEQUENCE_NODE ? "sequence" : "scalar");
	return walk_value(x, root, schema, path, 0);
}

void
config_ctx_release(struct load_ctx *x)
{
	if (x->have_doc)
		yaml_document_delete(&x->doc);
	free(x->nodes);
	free(x->data);
}
