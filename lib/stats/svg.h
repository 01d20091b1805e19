/* svg.h -- standalone SVG files made fit to sit inline in an HTML page */
#ifndef SV_STATS_SVG_H
#define SV_STATS_SVG_H

#include <stddef.h>

#include "core/buf.h"

/*
 * Appends svg (a whole file, as cairo writes it) to out as an element for
 * HTML: without the XML declaration, every id and reference to one
 * ("#x", url(#x)) prefixed with prefix so several charts on one page keep
 * their own glyphs and clips, sized to the page's width (the viewBox
 * keeps the aspect), with role="img" and aria-label label (escaped).
 * Returns 0, SV_EFORMAT when svg has no <svg element, or a buffer error.
 */
int sv_stats_svg_inline(const char *svg, size_t len, const char *prefix,
                        const char *label, struct sv_buf *out);

/* Appends s with & < > " ' escaped for HTML text and attributes. */
int sv_stats_html_escape(struct sv_buf *out, const char *s);

#endif
