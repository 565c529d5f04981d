using Quai.Oci.Image;
using Quai.Registry.Config;

namespace Quai.Registry.Manifests;

/// <summary>docker manifest's <c>--insecure</c>: the registries of the references involved are insecure for this
/// command (https without certificate checks, then http), on top of the configured insecure registries.</summary>
public static class InsecureFlag
{
    public static RegistryConfig Apply(RegistryConfig config, bool insecure, IEnumerable<Reference> references) => !insecure
        ? config
        : new RegistryConfig(config.InsecureRegistries.Concat(references.Select(r => r.Domain)).Distinct(StringComparer.OrdinalIgnoreCase),
            config.Mirrors, config.Timeout, config.CertsDir);
}
