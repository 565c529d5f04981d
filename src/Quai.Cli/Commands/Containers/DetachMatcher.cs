namespace Quai.Cli.Commands.Containers;

/// <summary>Finds the detach key sequence in stdin as it is read, across reads.</summary>
public static class DetachMatcher
{
    /// <summary>Consumes <paramref name="count"/> bytes of <paramref name="buf"/>; true when the
    /// sequence completed, with <paramref name="count"/> cut to the bytes before it. Bytes of a
    /// partial match are held back until the sequence completes or breaks (then they are sent).</summary>
    public static bool Feed(ref int matched, byte[] keys, byte[] buf, ref int count)
    {
        var output = new List<byte>(count + keys.Length);
        for (var i = 0; i < count; i++)
        {
            var b = buf[i];
            if (b == keys[matched])
            {
                matched++;
                if (matched == keys.Length)
                {
                    matched = 0;
                    output.CopyTo(buf);
                    count = output.Count;
                    return true;
                }
                continue;
            }
            // the partial match was ordinary input after all
            for (var k = 0; k < matched; k++) output.Add(keys[k]);
            matched = 0;
            if (b == keys[0]) { matched = 1; continue; }
            output.Add(b);
        }
        output.CopyTo(buf);
        count = output.Count;
        return false;
    }
}
