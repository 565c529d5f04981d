using Quai.Engine.Containers;
using ContainerStore = Quai.Engine.Containers.ContainerStore;

namespace Quai.Engine.Monitor;

/// <summary>The monitor's updates of its container's record, which must not take the monitor down on a full disk:
/// a change that may be lost (a health result) is dropped and the failure said once in monitor.log; one that must
/// land (the exit) is retried.</summary>
public sealed class RecordWriter(ContainerStore store, string id)
{
    private bool _failing;

    public void TryUpdate(string what, Action<Container> change)
    {
        try { store.Update(id, change); _failing = false; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { SayOnce(what, e); }
    }

    /// <summary>Retried every half second for up to two minutes while the disk is full; after that the record
    /// stays as it was and the next command shows the container exited (its monitor is gone).</summary>
    public Container Persist(Action<Container> change)
    {
        var deadline = Environment.TickCount64 + 120_000;
        while (true)
        {
            try { return store.Update(id, change); }
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && e is not FileNotFoundException && Environment.TickCount64 < deadline)
            {
                SayOnce("exit", e);
                Thread.Sleep(500);
            }
        }
    }

    private void SayOnce(string what, Exception e)
    {
        if (_failing) return;
        _failing = true;
        try { Console.Error.WriteLine($"{DateTime.UtcNow:O} record {what}: {e.Message}"); } catch (IOException) { }
    }
}
