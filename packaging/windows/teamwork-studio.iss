; Teamwork Studio installer for Windows (Inno Setup 6.3 or newer).
;
; Build the bundle first, on Windows, then compile this script (CI does both; see
; .github/workflows/package.yml and docs/notes/packaging.md):
;
;   python packaging\build.py --no-archive
;   iscc /DAppVersion=0.1.0 /DVariant=cpu packaging\windows\teamwork-studio.iss
;
; Input:  dist\teamwork-studio\ (teamwork-studio.exe = GUI without console,
;         teamwork-studio-cli.exe = the same program with a console, for the command line)
; Output: dist\teamwork-studio-<version>-windows-amd64-<variant>-setup.exe
;
; Installs per user by default (no administrator rights needed; the dialog offers all users),
; adds a Start menu entry, optionally a desktop icon and the install folder on PATH so that
; `teamwork-studio-cli estimate ...` works from any terminal. Uninstalling removes the program
; and the PATH entry; the user's settings, caches and logs (%LOCALAPPDATA%\teamwork-studio) stay.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef Variant
  #define Variant "cpu"
#endif
#define AppName "Teamwork Studio"
#define AppPublisher "Teamwork Studio contributors"
#define AppExe "teamwork-studio.exe"
#define CliExe "teamwork-studio-cli.exe"
#define BundleDir "..\..\dist\teamwork-studio"

[Setup]
; A fixed AppId: upgrades replace the previous install instead of adding a second one.
AppId={{6F1D2C84-3B7A-4E59-9C21-7A5E0B3D8F42}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion} ({#Variant})
AppPublisher={#AppPublisher}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=teamwork-studio-{#AppVersion}-windows-amd64-{#Variant}-setup
SetupIconFile=..\icons\teamwork-studio.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
WizardStyle=modern
ChangesEnvironment=yes
CloseApplications=yes
Compression=lzma2/normal
SolidCompression=yes
LZMAUseSeparateProcess=yes
#if Variant == "cuda"
; The CUDA build of torch makes the bundle several GB; Inno Setup needs disk spanning above
; 4.2 GB compressed, which leaves setup.exe plus setup-*.bin files to ship together.
DiskSpanning=yes
DiskSliceSize=max
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the teamwork-studio-cli command line to PATH"; GroupDescription: "Command line:"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade must not keep modules that the new version no longer ships.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Registry]
; PATH for the command line: the user's PATH for a per-user install, the system PATH otherwise.
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: (not IsAdminInstallMode) and NeedsAddPath('{app}')
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: IsAdminInstallMode and NeedsAddPath('{app}')

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function EnvironmentRoot(): Integer;
begin
  if IsAdminInstallMode then
    Result := HKEY_LOCAL_MACHINE
  else
    Result := HKEY_CURRENT_USER;
end;

function EnvironmentKey(): string;
begin
  if IsAdminInstallMode then
    Result := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  else
    Result := 'Environment';
end;

function NeedsAddPath(Param: string): Boolean;
var
  Current: string;
begin
  if not RegQueryStringValue(EnvironmentRoot(), EnvironmentKey(), 'Path', Current) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(ExpandConstant(Param)) + ';', ';' + Uppercase(Current) + ';') = 0;
end;

procedure RemoveFromPath(Folder: string);
var
  Current: string;
  Position: Integer;
begin
  if not RegQueryStringValue(EnvironmentRoot(), EnvironmentKey(), 'Path', Current) then
    exit;
  Current := ';' + Current + ';';
  Position := Pos(';' + Uppercase(Folder) + ';', Uppercase(Current));
  if Position = 0 then
    exit;
  Delete(Current, Position, Length(Folder) + 1);
  Current := Copy(Current, 2, Length(Current) - 2);
  RegWriteExpandStringValue(EnvironmentRoot(), EnvironmentKey(), 'Path', Current);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RemoveFromPath(ExpandConstant('{app}'));
end;
