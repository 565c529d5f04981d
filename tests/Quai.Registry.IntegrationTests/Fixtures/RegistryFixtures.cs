namespace Quai.Registry.IntegrationTests.Fixtures;

// xunit class fixtures: one registry per setup shared by a test class (IClassFixture<T>); tests use
// unique repository names (RegistryServer.UniqueRepo) so they do not see each other's images.

/// <summary>One plain http registry (<see cref="RegistryServer.Plain"/>) shared by a test class.</summary>
public sealed class PlainRegistryFixture : IDisposable
{
    public RegistryServer Registry { get; } = RegistryServer.Plain();
    public void Dispose() => Registry.Dispose();
}

/// <summary>One https + htpasswd registry (<see cref="RegistryServer.TlsBasic"/>, user alice, password wonder-land) shared by a test class.</summary>
public sealed class TlsBasicRegistryFixture : IDisposable
{
    public RegistryServer Registry { get; } = RegistryServer.TlsBasic("alice", "wonder-land");
    public void Dispose() => Registry.Dispose();
}

/// <summary>One token-auth registry (<see cref="RegistryServer.Token"/>, user bob, password builder-pass, no anonymous pull) shared by a test class.</summary>
public sealed class TokenRegistryFixture : IDisposable
{
    public RegistryServer Registry { get; } = RegistryServer.Token("bob", "builder-pass");
    public void Dispose() => Registry.Dispose();
}
