using Chat.Api.Admin;
using Chat.Api.Applications;
using Chat.Api.Chats;
using Chat.Api.Errors;
using Chat.Api.Health;
using Chat.Api.Limits;
using Chat.Api.Messages;
using Chat.Domain;
using Chat.Domain.Counts;

var builder = WebApplication.CreateBuilder(args);
builder.AddChatDomain();
builder.AddCountsClient();
builder.AddJsonConventions();
builder.AddProblemHandling();
builder.AddAdminKey();
builder.AddRateLimits();
builder.AddHealth();
builder.AddApplications();
builder.AddChats();
builder.AddMessages();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRateLimits();
app.MapHealth();
app.MapApplications();
app.MapChats();
app.MapMessages();
app.MapAdminJobs();
app.Run();

/// <summary>Visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
