using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Chat.Domain;

public static class Settings
{
    /// <summary>
    /// The one way a configuration section is read: bound by name (<c>Section__Key</c> in the environment) onto an
    /// options class whose defaults are in code, and checked at start by its DataAnnotations (and
    /// <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/> for rules across keys), so a wrong
    /// setting stops the process with a clear message instead of failing requests later.
    /// </summary>
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section) where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}
