loop: r1 -= 1
if r1 != 0 goto loop
may_goto +0
gotol -3
*(u16 *)(r10 - 0x2) = -0x5
r0 = bswap64 r0
exit
