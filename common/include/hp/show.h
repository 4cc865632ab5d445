/* A link in plain words, for network-bridge's `status`:
 *
 *   eth0: bridge, up, mtu 1500, mac 52:54:00:12:34:56
 *     ports: peth0
 *     addresses:
 *       192.0.2.1/24
 *     routes:
 *       default via 192.0.2.2 table 254 metric 0
 *
 * (a port says ", port of bridge <name>" on its first line; a link that
 * is not a bridge has no ports line). */
#ifndef HP_SHOW_H
#define HP_SHOW_H

#include <stdio.h>

#include "hp/link.h"

/* 0, or -errno after a logged line naming what could not be read. */
int hp_show_link(FILE *out, struct hp_nl *nl, const struct hp_link *l);

#endif
