# quai-runtime: hugepageLimits → hugetlb.<size>.max on v2 (and .rsvd.max, which 6.1 has).
id=vm-huge-$$
rt_create $id '["sleep","1000"]' '{"hugepageLimits":[{"pageSize":"2MB","limit":4194304}]}'
expect_file $CG/quai-vm/$id/hugetlb.2MB.max 4194304
expect_file $CG/quai-vm/$id/hugetlb.2MB.rsvd.max 4194304
