namespace Quai.Network.Ipam;

/// <summary>Docker's default address pools: 172.17.0.0/16 … 172.31.0.0/16, then 192.168.0.0/20 …
/// 192.168.240.0/20. A network without --subnet takes the first that overlaps neither another
/// network nor a route of the namespace it is created in.</summary>
public static class DefaultPools
{
    public static IEnumerable<Subnet> Candidates()
    {
        for (var b = 17; b <= 31; b++) yield return Subnet.Parse($"172.{b}.0.0/16");
        for (var c = 0; c < 256; c += 16) yield return Subnet.Parse($"192.168.{c}.0/20");
    }

    public static Subnet? Pick(IEnumerable<Subnet> taken, IEnumerable<Subnet> routes, bool skipFirst = false)
    {
        var busy = taken.Concat(routes.Where(r => r.Prefix > 0 && !r.IsV6)).ToList();
        return Candidates().Skip(skipFirst ? 1 : 0).FirstOrDefault(c => !busy.Any(b => b.Overlaps(c)));
    }
}
