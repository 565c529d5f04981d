using Quai.Engine.Containers;
using Quai.Engine.Events;

namespace Quai.Engine;

public sealed partial class ContainerEngine
{
    private EventJournal? _events;

    /// <summary>The store's events journal (<c>quai events</c> reads it).</summary>
    public EventJournal Events => _events ??= new EventJournal(Root);

    /// <summary>A container event as dockerd sends it: the container's labels, <c>image</c> and <c>name</c>, plus
    /// <paramref name="extra"/> (exitCode, signal, oldName, execID…).</summary>
    public void EmitContainer(Container c, string action, params (string Key, string Value)[] extra)
    {
        var attrs = new Dictionary<string, string>(c.Config.Labels, StringComparer.Ordinal)
        {
            ["image"] = c.Config.Image,
            ["name"] = c.PlainName,
        };
        foreach (var (k, v) in extra) attrs[k] = v;
        Events.Append(EngineEvent.Now("container", action, c.Id, attrs));
    }

    public void EmitContainer(string id, string action, params (string Key, string Value)[] extra)
    {
        if (Store.TryLoad(id) is { } c) EmitContainer(c, action, extra);
    }

    public void EmitVolume(string name, string action, params (string Key, string Value)[] extra)
    {
        var attrs = new Dictionary<string, string>(StringComparer.Ordinal) { ["driver"] = "local" };
        foreach (var (k, v) in extra) attrs[k] = v;
        Events.Append(EngineEvent.Now("volume", action, name, attrs));
    }
}
