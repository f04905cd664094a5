r1 += -0x5
r1 += r2
r1 -= -0x5
r1 -= r2
r1 *= -0x5
r1 *= r2
r1 /= -0x5
r1 s/= -0x5
r1 /= r2
r1 s/= r2
r1 |= -0x5
r1 |= r2
r1 &= -0x5
r1 &= r2
r1 <<= -0x5
r1 <<= r2
r1 >>= -0x5
r1 >>= r2
r1 %= -0x5
r1 s%= -0x5
r1 %= r2
r1 s%= r2
r1 ^= -0x5
r1 ^= r2
r1 = -0x5
r1 = r2
r1 s>>= -0x5
r1 s>>= r2
r1 = -r1
w1 += -0x5
w1 += w2
w1 -= -0x5
w1 -= w2
w1 *= -0x5
w1 *= w2
w1 /= -0x5
w1 s/= -0x5
w1 /= w2
w1 s/= w2
w1 |= -0x5
w1 |= w2
w1 &= -0x5
w1 &= w2
w1 <<= -0x5
w1 <<= w2
w1 >>= -0x5
w1 >>= w2
w1 %= -0x5
w1 s%= -0x5
w1 %= w2
w1 s%= w2
w1 ^= -0x5
w1 ^= w2
w1 = -0x5
w1 = w2
w1 s>>= -0x5
w1 s>>= w2
w1 = -w1
w1 = (s8)w2
w1 = (s16)w2
r1 = (s8)r2
r1 = (s16)r2
r1 = (s32)r2
r1 = addr_space_cast(r2, 0x0, 0x1)
r1 = le16 r1
r1 = le32 r1
r1 = le64 r1
r1 = be16 r1
r1 = be32 r1
r1 = be64 r1
r1 = bswap16 r1
r1 = bswap32 r1
r1 = bswap64 r1
r1 = *(u8 *)(r2 - 0x8)
r1 = *(u16 *)(r2 - 0x8)
r1 = *(u32 *)(r2 - 0x8)
r1 = *(u64 *)(r2 - 0x8)
r1 = *(s8 *)(r2 - 0x8)
r1 = *(s16 *)(r2 - 0x8)
r1 = *(s32 *)(r2 - 0x8)
*(u8 *)(r1 + 0x10) = -0x3
*(u16 *)(r1 + 0x10) = -0x3
*(u32 *)(r1 + 0x10) = -0x3
*(u64 *)(r1 + 0x10) = -0x3
*(u8 *)(r1 - 0x8) = r2
*(u16 *)(r1 - 0x8) = r2
*(u32 *)(r1 - 0x8) = r2
*(u64 *)(r1 - 0x8) = r2
r1 = -0x778899aabbccddef ll
r1 = map_fd(0x3) ll
r1 = map_value(0x3, 0x10) ll
r1 = btf_id(0x3) ll
r1 = func(+0x4) ll
r1 = map_idx(0x3) ll
r1 = map_idx_value(0x3, 0x10) ll
r0 = *(u8 *)skb[0xc]
r0 = *(u16 *)skb[0xc]
r0 = *(u32 *)skb[0xc]
r0 = *(u8 *)skb[r2 + 0x4]
r0 = *(u16 *)skb[r2 + 0x4]
r0 = *(u32 *)skb[r2 + 0x4]
lock *(u32 *)(r1 - 0x8) += w2
w2 = atomic_fetch_add((u32 *)(r1 - 0x8), w2)
lock *(u32 *)(r1 - 0x8) |= w2
w2 = atomic_fetch_or((u32 *)(r1 - 0x8), w2)
lock *(u32 *)(r1 - 0x8) &= w2
w2 = atomic_fetch_and((u32 *)(r1 - 0x8), w2)
lock *(u32 *)(r1 - 0x8) ^= w2
w2 = atomic_fetch_xor((u32 *)(r1 - 0x8), w2)
w2 = xchg32_32(r1 - 0x8, w2)
w0 = cmpxchg32_32(r1 - 0x8, w0, w2)
lock *(u64 *)(r1 - 0x8) += r2
r2 = atomic_fetch_add((u64 *)(r1 - 0x8), r2)
lock *(u64 *)(r1 - 0x8) |= r2
r2 = atomic_fetch_or((u64 *)(r1 - 0x8), r2)
lock *(u64 *)(r1 - 0x8) &= r2
r2 = atomic_fetch_and((u64 *)(r1 - 0x8), r2)
lock *(u64 *)(r1 - 0x8) ^= r2
r2 = atomic_fetch_xor((u64 *)(r1 - 0x8), r2)
r2 = xchg_64(r1 - 0x8, r2)
r0 = cmpxchg_64(r1 - 0x8, r0, r2)
w1 = load_acquire((u8 *)(r2 - 0x8))
store_release((u8 *)(r1 - 0x8), w2)
w1 = load_acquire((u16 *)(r2 - 0x8))
store_release((u16 *)(r1 - 0x8), w2)
w1 = load_acquire((u32 *)(r2 - 0x8))
store_release((u32 *)(r1 - 0x8), w2)
r1 = load_acquire((u64 *)(r2 - 0x8))
store_release((u64 *)(r1 - 0x8), r2)
if r1 == 0x10 goto +0x3
if r1 == r2 goto -0x2
if r1 > 0x10 goto +0x3
if r1 > r2 goto -0x2
if r1 >= 0x10 goto +0x3
if r1 >= r2 goto -0x2
if r1 & 0x10 goto +0x3
if r1 & r2 goto -0x2
if r1 != 0x10 goto +0x3
if r1 != r2 goto -0x2
if r1 s> 0x10 goto +0x3
if r1 s> r2 goto -0x2
if r1 s>= 0x10 goto +0x3
if r1 s>= r2 goto -0x2
if r1 < 0x10 goto +0x3
if r1 < r2 goto -0x2
if r1 <= 0x10 goto +0x3
if r1 <= r2 goto -0x2
if r1 s< 0x10 goto +0x3
if r1 s< r2 goto -0x2
if r1 s<= 0x10 goto +0x3
if r1 s<= r2 goto -0x2
if w1 == 0x10 goto +0x3
if w1 == w2 goto -0x2
if w1 > 0x10 goto +0x3
if w1 > w2 goto -0x2
if w1 >= 0x10 goto +0x3
if w1 >= w2 goto -0x2
if w1 & 0x10 goto +0x3
if w1 & w2 goto -0x2
if w1 != 0x10 goto +0x3
if w1 != w2 goto -0x2
if w1 s> 0x10 goto +0x3
if w1 s> w2 goto -0x2
if w1 s>= 0x10 goto +0x3
if w1 s>= w2 goto -0x2
if w1 < 0x10 goto +0x3
if w1 < w2 goto -0x2
if w1 <= 0x10 goto +0x3
if w1 <= w2 goto -0x2
if w1 s< 0x10 goto +0x3
if w1 s< w2 goto -0x2
if w1 s<= 0x10 goto +0x3
if w1 s<= w2 goto -0x2
goto +0x7
gotol +0x11170
gotox r1
may_goto +0x7
call 0x6
call +0x5
call_kfunc 0x55, 0x1
callx r1
exit
