using Quai.Build.Syntax;

namespace Quai.Build.Executor;

/// <summary>Which stages a target needs, in an order where each comes after the stages it uses
/// (FROM an earlier stage, COPY --from=stage, RUN --mount=from=stage): only those are built, as BuildKit
/// does; <see cref="DependenciesOf"/> gives the edges the builder schedules by (a stage starts when the
/// stages it uses are done, independent ones at the same time).</summary>
public static class StageGraph
{
    /// <summary>The stage a FROM or COPY --from names: by name (case-insensitive) or index; null: an image.</summary>
    public static Stage? Find(Dockerfile file, string reference)
    {
        var lower = reference.ToLowerInvariant();
        var named = file.Stages.FirstOrDefault(s => s.Name == lower);
        if (named is not null) return named;
        return int.TryParse(reference, out var i) && i >= 0 && i < file.Stages.Count ? file.Stages[i] : null;
    }

    public static Stage Target(Dockerfile file, string? target, string fileName)
    {
        if (target is null) return file.Stages[^1];
        return file.Stages.FirstOrDefault(s => s.Name == target.ToLowerInvariant())
            ?? throw new BuildException($"failed to solve: target stage \"{target}\" could not be found");
    }

    /// <summary>Stages <paramref name="target"/> depends on, then itself; <paramref name="fromOf"/> gives a
    /// stage's expanded FROM reference.</summary>
    public static List<Stage> Order(Dockerfile file, Stage target, Func<Stage, string> fromOf, string fileName)
    {
        var order = new List<Stage>();
        var state = new Dictionary<int, bool>(); // false: on the path, true: done
        void Visit(Stage s, Stage? from)
        {
            if (state.TryGetValue(s.Index, out var done))
            {
                if (!done) throw new BuildException($"{fileName}:{(from?.From.StartLine ?? s.From.StartLine)}: circular dependency detected on stage: {s.Name ?? s.Index.ToString()}");
                return;
            }
            state[s.Index] = false;
            foreach (var dep in Dependencies(file, s, fromOf)) Visit(dep, s);
            state[s.Index] = true;
            order.Add(s);
        }
        Visit(target, null);
        return order;
    }

    /// <summary>The stages <paramref name="s"/> uses directly, each once.</summary>
    public static List<Stage> DependenciesOf(Dockerfile file, Stage s, Func<Stage, string> fromOf)
        => Dependencies(file, s, fromOf).DistinctBy(d => d.Index).ToList();

    private static IEnumerable<Stage> Dependencies(Dockerfile file, Stage s, Func<Stage, string> fromOf)
    {
        var from = fromOf(s);
        if (Find(file, from) is { } baseStage && baseStage.Index < s.Index) yield return baseStage;
        foreach (var i in s.Instructions)
        {
            var f = i switch { CopyInstruction c => c.From, _ => null };
            if (f is not null && Find(file, f) is { } used) yield return used;
        }
        // RUN --mount=from=stage uses that stage too
        foreach (var m in s.Instructions.OfType<RunInstruction>().SelectMany(r => r.Mounts))
            if (m.From is { } mf && Find(file, mf) is { } mounted && mounted.Index != s.Index) yield return mounted;
    }
}
