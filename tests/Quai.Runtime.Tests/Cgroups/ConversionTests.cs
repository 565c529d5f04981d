using Quai.Runtime.Cgroups;

namespace Quai.Runtime.Tests.Cgroups;

public class ConversionTests
{
    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(1UL, 1UL)]
    [InlineData(2UL, 1UL)]
    [InlineData(1024UL, 100UL)]
    [InlineData(262144UL, 10000UL)]
    [InlineData(500000UL, 10000UL)]
    public void CpuSharesToWeight_MapsDefaultsAndBounds(ulong shares, ulong weight) =>
        Assert.Equal(weight, Conversions.CpuSharesToWeight(shares));

    [Fact]
    public void CpuSharesToWeight_IsMonotonicAndInRange()
    {
        ulong prev = 0;
        for (ulong s = 2; s <= 262144; s += 97)
        {
            ulong w = Conversions.CpuSharesToWeight(s);
            Assert.InRange(w, 1UL, 10000UL);
            Assert.True(w >= prev, $"weight decreased at shares={s}");
            prev = w;
        }
        // Spot values of the quadratic mapping (runc ≥ 1.3.2 / opencontainers/cgroups).
        Assert.Equal(59UL, Conversions.CpuSharesToWeight(512));
        Assert.Equal(174UL, Conversions.CpuSharesToWeight(2048));
    }

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(2UL, 1UL)]
    [InlineData(1024UL, 39UL)]
    [InlineData(262144UL, 10000UL)]
    public void CpuSharesToWeightLegacy_LinearFormula(ulong shares, ulong weight) =>
        Assert.Equal(weight, Conversions.CpuSharesToWeightLegacy(shares));

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(10UL, 1UL)]
    [InlineData(500UL, 4950UL)]
    [InlineData(1000UL, 10000UL)]
    public void BlkioWeightToIoWeight(ulong blkio, ulong io) => Assert.Equal(io, Conversions.BlkioWeightToIoWeight(blkio));

    [Theory]
    [InlineData(0L, 0L, 0L)]          // nothing set
    [InlineData(0L, -1L, -1L)]        // unlimited memory, swap unset → unlimited swap
    [InlineData(-1L, 100L, -1L)]      // explicit unlimited swap
    [InlineData(300L, 100L, 200L)]    // swap = total - memory
    [InlineData(100L, 100L, 0L)]      // equal → no swap
    [InlineData(-1L, -1L, -1L)]
    public void MemorySwapToV2(long swap, long memory, long expected) =>
        Assert.Equal(expected, Conversions.MemorySwapToV2(swap, memory));

    [Theory]
    [InlineData(100L, 0L)]
    [InlineData(100L, -1L)]
    [InlineData(50L, 100L)]
    public void MemorySwapToV2_RejectsInconsistent(long swap, long memory) =>
        Assert.Throws<CgroupException>(() => Conversions.MemorySwapToV2(swap, memory));

    [Theory]
    [InlineData(null, null, null)]
    [InlineData(50000L, 100000UL, "50000 100000")]
    [InlineData(-1L, 100000UL, "max 100000")]
    [InlineData(-1L, null, "max")]
    [InlineData(20000L, null, "20000")]
    [InlineData(null, 250000UL, "max 250000")]
    public void CpuMax(long? quota, ulong? period, string? expected) => Assert.Equal(expected, Conversions.CpuMax(quota, period));

    [Fact]
    public void V2Num_MinusOneIsMax() 
    {
        Assert.Equal("max", Conversions.V2Num(-1));
        Assert.Null(Conversions.V2Num(0));
        Assert.Equal("1048576", Conversions.V2Num(1048576));
    }
}
