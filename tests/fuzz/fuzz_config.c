/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the configuration loader: the input is the YAML file.
 * A file that loads must give EAL arguments; one that does not must say why
 * on one line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ws_config.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[WS_CONFIG_ERR_SIZE], buf[16384], *argv[128];
	struct ws_config *c;
	size_t i;
	int rc;

	c = ws_config_load_data("fuzz.yaml", data, size, err, sizeof(err));
	if (!c) {
		if (err[0] == '\0' || strncmp(err, "fuzz.yaml", 9) != 0)
			abort();
		for (i = 0; err[i]; i++)
			if ((unsigned char)err[i] < 0x20)
				abort(); /* one line, whatever the YAML quoted */
		return 0;
	}
	/* As many arguments as the daemon has room for; more is its clear error, not a crash. */
	rc = ws_config_eal_args(c, argv, 128, buf, sizeof(buf));
	if (err[0] != '\0' || (rc < 1 && rc != -ENOSPC))
		abort();
	ws_config_free(c);
	return 0;
}
