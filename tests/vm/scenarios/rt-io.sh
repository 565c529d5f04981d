# quai-runtime: io on v2 — blkio weight → io.weight (10..1000 → 1..10000), per-device throttles → io.max
# (on a RAM disk the VM loads: brd, major 1).
modprobe brd rd_nr=1 rd_size=4096 || fail "modprobe brd"
[ -b /dev/ram0 ] || fail "no /dev/ram0"
id=vm-io-$$
rt_create $id '["sleep","1000"]' '{"blockIO":{"weight":500,"throttleReadBpsDevice":[{"major":1,"minor":0,"rate":1048576}],"throttleWriteIOPSDevice":[{"major":1,"minor":0,"rate":100}]}}'
d=$CG/quai-vm/$id
expect "io.weight default" "$(awk '$1 == "default" { print $2 }' $d/io.weight)" 4950
expect_file $d/io.max "1:0 rbps=1048576 wbps=max riops=max wiops=100"
rt update --blkio-weight 1000 $id || fail "update $id"
expect "io.weight default" "$(awk '$1 == "default" { print $2 }' $d/io.weight)" 10000
