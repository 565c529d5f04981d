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
        using (var held = store.Lock(c.Id)) store.Remove(c, held);
        Assert.Throws<NotFoundException>(() => store.Resolve("web"));
        Assert.Throws<NotFoundException>(() => store.Lock(c.Id));
        store.ReserveName("web", ContainerStore.NewId()); // free again
        Assert.Empty(store.Trash());
    }

    [Fact]
    public void A_removal_killed_after_its_commit_is_finished_by_the_next_sweep()
    {
        var store = new ContainerStore(_root);
        var c = new Container { Id = ContainerStore.NewId(), Name = "/half" };
        store.ReserveName("half", c.Id);
        store.Create(c);
        // what Remove does up to its commit, then "killed"
        Directory.Move(store.Dir(c.Id), Path.Combine(store.TrashDir, c.Id + ".1"));
        Assert.Throws<NotFoundException>(() => store.Resolve(c.Id));
        var released = new List<string>();
        store.SweepTrash(released.Add);
        Assert.Equal([c.Id], released);
        Assert.Empty(store.Trash());
        store.ReserveName("half", ContainerStore.NewId()); // the name is free at once
    }

    [Fact]
    public void A_waiter_for_the_lock_of_a_removed_container_gets_not_found()
    {
        var store = new ContainerStore(_root);
        var c = new Container { Id = ContainerStore.NewId(), Name = "/gone" };
        store.Create(c);
        var held = store.Lock(c.Id);
        var waiter = Task.Run(() => { using var l = store.Lock(c.Id); });
        Thread.Sleep(100);
        Assert.False(waiter.IsCompleted);
        store.Remove(c, held);
        held.Dispose();
        var e = Assert.ThrowsAny<Exception>(() => waiter.GetAwaiter().GetResult());
        Assert.IsType<NotFoundException>(e);
        Assert.False(File.Exists(Path.Combine(store.Root, ".locks", c.Id)));
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
