using Quai.Templates.Formatting;
using Quai.Templates.Values;

namespace Quai.Templates.Exec;

/// <summary>Go's <c>eq ne lt le gt ge</c>: basic kinds only (bool, int, uint, float, string), ints of either sign
/// compare, anything else is <c>incompatible types for comparison</c>.</summary>
public static class Compare
{
    private enum Kind { Invalid, Bool, Int, Uint, Float, String, Other }

    private static Kind KindOf(object? v) => v switch
    {
        null or Missing => Kind.Invalid,
        bool => Kind.Bool,
        long or int => Kind.Int,
        ulong => Kind.Uint,
        double => Kind.Float,
        string or JsonNumber => Kind.String,
        _ => Kind.Other,
    };

    private static string Str(object v) => v is JsonNumber n ? n.Text : (string)v;

    private static long I(object v) => v is int i ? i : (long)v;

    public static bool Eq(object?[] args)
    {
        if (args.Length < 2) throw new FunctionException("missing argument for comparison");
        var a = args[0];
        var k1 = KindOf(a);
        for (int i = 1; i < args.Length; i++)
        {
            var b = args[i];
            var k2 = KindOf(b);
            bool truth;
            if (k1 != k2)
            {
                if (k1 == Kind.Int && k2 == Kind.Uint) truth = I(a!) >= 0 && (ulong)I(a!) == (ulong)b!;
                else if (k1 == Kind.Uint && k2 == Kind.Int) truth = I(b!) >= 0 && (ulong)a! == (ulong)I(b!);
                else if (k1 != Kind.Invalid && k2 != Kind.Invalid) throw new FunctionException("incompatible types for comparison");
                else truth = false;
            }
            else
            {
                truth = k1 switch
                {
                    Kind.Bool => (bool)a! == (bool)b!,
                    Kind.Int => I(a!) == I(b!),
                    Kind.Uint => (ulong)a! == (ulong)b!,
                    Kind.Float => (double)a! == (double)b!,
                    Kind.String => Str(a!) == Str(b!),
                    Kind.Invalid => true,
                    _ => a is GoSlice or GoMap
                        ? throw new FunctionException($"non-comparable type {GoFmt.Print(a)}: {GoTypes.Name(a)}")
                        : ReferenceEquals(a, b) || Equals(a, b),
                };
            }
            if (truth) return true;
        }
        return false;
    }

    public static bool Lt(object? a, object? b)
    {
        var k1 = KindOf(a);
        if (k1 is Kind.Invalid or Kind.Other) throw new FunctionException("invalid type for comparison");
        var k2 = KindOf(b);
        if (k2 is Kind.Invalid or Kind.Other) throw new FunctionException("invalid type for comparison");
        if (k1 != k2)
        {
            if (k1 == Kind.Int && k2 == Kind.Uint) return I(a!) < 0 || (ulong)I(a!) < (ulong)b!;
            if (k1 == Kind.Uint && k2 == Kind.Int) return I(b!) >= 0 && (ulong)a! < (ulong)I(b!);
            throw new FunctionException("incompatible types for comparison");
        }
        return k1 switch
        {
            Kind.Bool => throw new FunctionException("invalid type for comparison"),
            Kind.Int => I(a!) < I(b!),
            Kind.Uint => (ulong)a! < (ulong)b!,
            Kind.Float => (double)a! < (double)b!,
            _ => string.CompareOrdinal(Str(a!), Str(b!)) < 0,
        };
    }

    public static bool Le(object? a, object? b) => Lt(a, b) || Eq([a, b]);
}
