using Microsoft.Extensions.FileProviders;

namespace Chat.Api.Demo;

/// <summary>
/// The chat page at <c>/demo/</c> (README "Demo page"): static files from <c>wwwroot/demo</c>, which talk to the public
/// API and hub like any client. Nothing else of the web root is served.
/// </summary>
public static class DemoPage
{
    public const string Path = "/demo";

    public static void UseDemoPage(this WebApplication app)
    {
        var files = new PhysicalFileProvider(System.IO.Path.Combine(app.Environment.WebRootPath, "demo"));
        app.UseDefaultFiles(new DefaultFilesOptions { RequestPath = Path, FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { RequestPath = Path, FileProvider = files });
    }
}
