/* hex.h -- the value of one hex digit, for the text decoders */
#ifndef SV_HEX_H
#define SV_HEX_H

/* The value of hex digit c (0-9, a-f, A-F), or -1 for anything else. */
int sv_hex_digit(int c);

#endif
