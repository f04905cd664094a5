add %r1, -5
add %r1, %r2
sub %r1, -5
sub %r1, %r2
mul %r1, -5
mul %r1, %r2
div %r1, -5
sdiv %r1, -5
div %r1, %r2
sdiv %r1, %r2
or %r1, -5
or %r1, %r2
and %r1, -5
and %r1, %r2
lsh %r1, -5
lsh %r1, %r2
rsh %r1, -5
rsh %r1, %r2
mod %r1, -5
smod %r1, -5
mod %r1, %r2
smod %r1, %r2
xor %r1, -5
xor %r1, %r2
mov %r1, -5
mov %r1, %r2
arsh %r1, -5
arsh %r1, %r2
neg %r1
add32 %r1, -5
add32 %r1, %r2
sub32 %r1, -5
sub32 %r1, %r2
mul32 %r1, -5
mul32 %r1, %r2
div32 %r1, -5
sdiv32 %r1, -5
div32 %r1, %r2
sdiv32 %r1, %r2
or32 %r1, -5
or32 %r1, %r2
and32 %r1, -5
and32 %r1, %r2
lsh32 %r1, -5
lsh32 %r1, %r2
rsh32 %r1, -5
rsh32 %r1, %r2
mod32 %r1, -5
smod32 %r1, -5
mod32 %r1, %r2
smod32 %r1, %r2
xor32 %r1, -5
xor32 %r1, %r2
mov32 %r1, -5
mov32 %r1, %r2
arsh32 %r1, -5
arsh32 %r1, %r2
neg32 %r1
movsx832 %r1, %r2
movsx1632 %r1, %r2
movsx864 %r1, %r2
movsx1664 %r1, %r2
movsx3264 %r1, %r2
addr_space_cast %r1, %r2, 0, 1
le16 %r1
le32 %r1
le64 %r1
be16 %r1
be32 %r1
be64 %r1
bswap16 %r1
bswap32 %r1
bswap64 %r1
ldxb %r1, [%r2-8]
ldxh %r1, [%r2-8]
ldxw %r1, [%r2-8]
ldxdw %r1, [%r2-8]
ldxsb %r1, [%r2-8]
ldxsh %r1, [%r2-8]
ldxsw %r1, [%r2-8]
stb [%r1+16], -3
sth [%r1+16], -3
stw [%r1+16], -3
stdw [%r1+16], -3
stxb [%r1-8], %r2
stxh [%r1-8], %r2
stxw [%r1-8], %r2
stxdw [%r1-8], %r2
lddw %r1, 0x8877665544332211
lddw_map_fd %r1, 3
lddw_map_value %r1, 3, 16
lddw_btf_id %r1, 3
lddw_func %r1, +4
lddw_map_idx %r1, 3
lddw_map_idx_value %r1, 3, 16
ldabsb 12
ldabsh 12
ldabsw 12
ldindb %r2, 4
ldindh %r2, 4
ldindw %r2, 4
lock add32 [%r1-8], %r2
lock fetch add32 [%r1-8], %r2
lock or32 [%r1-8], %r2
lock fetch or32 [%r1-8], %r2
lock and32 [%r1-8], %r2
lock fetch and32 [%r1-8], %r2
lock xor32 [%r1-8], %r2
lock fetch xor32 [%r1-8], %r2
lock xchg32 [%r1-8], %r2
lock cmpxchg32 [%r1-8], %r2
lock add [%r1-8], %r2
lock fetch add [%r1-8], %r2
lock or [%r1-8], %r2
lock fetch or [%r1-8], %r2
lock and [%r1-8], %r2
lock fetch and [%r1-8], %r2
lock xor [%r1-8], %r2
lock fetch xor [%r1-8], %r2
lock xchg [%r1-8], %r2
lock cmpxchg [%r1-8], %r2
load_acquire_b %r1, [%r2-8]
store_release_b [%r1-8], %r2
load_acquire_h %r1, [%r2-8]
store_release_h [%r1-8], %r2
load_acquire_w %r1, [%r2-8]
store_release_w [%r1-8], %r2
load_acquire_dw %r1, [%r2-8]
store_release_dw [%r1-8], %r2
jeq %r1, 16, +3
jeq %r1, %r2, -2
jgt %r1, 16, +3
jgt %r1, %r2, -2
jge %r1, 16, +3
jge %r1, %r2, -2
jset %r1, 16, +3
jset %r1, %r2, -2
jne %r1, 16, +3
jne %r1, %r2, -2
jsgt %r1, 16, +3
jsgt %r1, %r2, -2
jsge %r1, 16, +3
jsge %r1, %r2, -2
jlt %r1, 16, +3
jlt %r1, %r2, -2
jle %r1, 16, +3
jle %r1, %r2, -2
jslt %r1, 16, +3
jslt %r1, %r2, -2
jsle %r1, 16, +3
jsle %r1, %r2, -2
jeq32 %r1, 16, +3
jeq32 %r1, %r2, -2
jgt32 %r1, 16, +3
jgt32 %r1, %r2, -2
jge32 %r1, 16, +3
jge32 %r1, %r2, -2
jset32 %r1, 16, +3
jset32 %r1, %r2, -2
jne32 %r1, 16, +3
jne32 %r1, %r2, -2
jsgt32 %r1, 16, +3
jsgt32 %r1, %r2, -2
jsge32 %r1, 16, +3
jsge32 %r1, %r2, -2
jlt32 %r1, 16, +3
jlt32 %r1, %r2, -2
jle32 %r1, 16, +3
jle32 %r1, %r2, -2
jslt32 %r1, 16, +3
jslt32 %r1, %r2, -2
jsle32 %r1, 16, +3
jsle32 %r1, %r2, -2
ja +7
ja32 +70000
gotox %r1
may_goto +7
call 6
call local +5
call_kfunc 85, 1
callx %r1
exit
