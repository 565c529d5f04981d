# quai-runtime: linux.resources.memory on v2 — limit → memory.max, reservation → memory.low,
# swap (memory+swap in OCI) → memory.swap.max (swap alone); update changes them.
id=vm-mem-$$
rt_create $id '["sleep","1000"]' '{"memory":{"limit":67108864,"reservation":33554432,"swap":100663296}}'
expect_file $CG/quai-vm/$id/memory.max 67108864
expect_file $CG/quai-vm/$id/memory.low 33554432
expect_file $CG/quai-vm/$id/memory.swap.max 33554432
rt update --memory 134217728 --memory-swap 134217728 --memory-reservation 16777216 $id || fail "update $id"
expect_file $CG/quai-vm/$id/memory.max 134217728
expect_file $CG/quai-vm/$id/memory.swap.max 0
expect_file $CG/quai-vm/$id/memory.low 16777216
