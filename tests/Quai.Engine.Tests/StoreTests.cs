using Quai.Engine.Containers;

namespace Quai.Engine.Tests;

public sealed class StoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("quai-store-").FullName;
    public void Dispose() => Directory.Delete(_root, true);

    [Fact]
    public void Names_AreUnique_AcrossConcurrentReservations()
    {
        var store = new ContainerStore(_root);
        var wins = 0;
        Parallel.For(0, 32, _ =>
        {
            var id = ContainerStore.NewId();
            Directory.CreateDirectory(store.Dir(id));
            try { store.ReserveName("same", id); Interlocked.Increment(ref wins); }
            catch (ConflictException e) { Assert.Contains("Conflict. The container name \"/same\" is already in use by container", e.Message); }
        });
        Assert.Equal(1, wins);
    }

    [Fact]
    public void Resolve_ByNameIdAndPrefix()
    {
        var store = new ContainerStore(_root);
        var c = new Container { Id = ContainerStore.NewId(), Name = "/web" };
        store.ReserveName("web", c.Id);
        store.Create(c);
        Assert.Equal(c.Id, store.Resolve("web"));
        Assert.Equal(c.Id, store.Resolve("/web"));
        Assert.Equal(c.Id, store.Resolve(c.Id));
        Assert.Equal(c.Id, store.Resolve(c.Id[..5]));
        Assert.Throws<NotFoundException>(() => store.Resolve("nope"));
        store.Remove(c);
        Assert.Throws<NotFoundException>(() => store.Resolve("web"));
        store.ReserveName("web", ContainerStore.NewId()); // free again
    }

    [Fact]
    public void InvalidNames_AreRejected()
    {
        var store = new ContainerStore(_root);
        Assert.Throws<EngineUsageException>(() => store.ReserveName("a/b", ContainerStore.NewId()));
        Assert.Throws<EngineUsageException>(() => store.ReserveName("-x", ContainerStore.NewId()));
    }

    [Fact]
    public void Update_IsAtomicUnderLock()
    {
        var store = new ContainerStore(_root);
        var c = new Container { Id = ContainerStore.NewId(), Name = "/n" };
        store.Create(c);
        Parallel.For(0, 50, _ => store.Update(c.Id, x => x.RestartCount++));
        Assert.Equal(50, store.Load(c.Id).RestartCount);
    }
}
