using Chat.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Chat.Worker;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<ChatDbContext>
{
    public ChatDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<ChatDbContext>()
        .UseMySql(DatabaseSetup.ConnectionString("Server=127.0.0.1;Database=chat"), new MySqlServerVersion(new Version(8, 0, 36)),
            mysql => mysql.MigrationsAssembly(typeof(ChatDbContext).Assembly.GetName().Name))
        .Options);
}
