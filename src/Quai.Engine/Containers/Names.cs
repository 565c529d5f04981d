namespace Quai.Engine.Containers;

/// <summary>Random container names in Docker's adjective_scientist style (our own short lists).</summary>
internal static class Names
{
    private static readonly string[] Left =
    [
        "admiring", "bold", "brave", "clever", "eager", "elegant", "festive", "focused", "gallant", "gentle",
        "happy", "jolly", "keen", "kind", "lucid", "modest", "nifty", "quirky", "serene", "sharp", "stoic",
        "sweet", "tender", "upbeat", "vibrant", "wizardly", "zealous", "brisk", "calm", "dazzling",
    ];

    private static readonly string[] Right =
    [
        "noether", "turing", "lovelace", "hopper", "curie", "euler", "gauss", "darwin", "tesla", "kepler",
        "galois", "hypatia", "ramanujan", "shannon", "dijkstra", "knuth", "ritchie", "thompson", "torvalds", "hamilton",
        "meitner", "franklin", "goodall", "lamarr", "mirzakhani", "pasteur", "planck", "bohr", "fermi", "feynman",
    ];

    public static string Random(bool withNumber)
    {
        var name = Left[System.Random.Shared.Next(Left.Length)] + "_" + Right[System.Random.Shared.Next(Right.Length)];
        return withNumber ? name + System.Random.Shared.Next(10) : name;
    }
}
