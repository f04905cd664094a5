mov %r0, 1
lddw %r1, 0x1122334455667788
jeq %r1, 0, exit
lock fetch add32 [%r10-8], %r1
call local f
exit
f:
exit
