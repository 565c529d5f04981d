# quai-runtime: cpu on v2 — shares → cpu.weight (runc's mapping: 1024 → 100, 262144 → 10000),
# quota/period → cpu.max, burst → cpu.max.burst, idle → cpu.idle, cpus/mems → cpuset.*; update.
id=vm-cpu-$$
rt_create $id '["sleep","1000"]' '{"cpu":{"shares":1024,"quota":50000,"period":100000,"burst":10000,"cpus":"1","mems":"0"}}'
d=$CG/quai-vm/$id
expect_file $d/cpu.weight 100
expect_file $d/cpu.max "50000 100000"
expect_file $d/cpu.max.burst 10000
expect_file $d/cpuset.cpus 1
expect_file $d/cpuset.mems 0
rt update --cpu-share 262144 --cpu-quota 20000 --cpu-period 50000 --cpuset-cpus 0-1 $id || fail "update $id"
expect_file $d/cpu.weight 10000
expect_file $d/cpu.max "20000 50000"
expect_file $d/cpuset.cpus 0-1
id2=vm-cpuidle-$$
rt_create $id2 '["sleep","1000"]' '{"cpu":{"idle":1}}'
expect_file $CG/quai-vm/$id2/cpu.idle 1
