; Inno Setup 6.3+ script: per-machine install of the PyInstaller one-folder build.
; Build on Windows (see installers/README.md and .github/workflows/installers.yml):
;   pyinstaller --noconfirm installers\triage_desk.spec
;   iscc /DAppVersion=0.1.0 /DSourceDir=dist\triage-desk installers\windows\triage-desk.iss
; Not built or run on the Linux machine this repository is developed on.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\triage-desk"
#endif

[Setup]
AppId={{6D0B7C7E-2F4A-4E59-9C1B-7A3C1E0D5A11}
AppName=Triage Desk
AppVersion={#AppVersion}
AppPublisher=Triage Desk maintainers
DefaultDirName={autopf}\Triage Desk
DefaultGroupName=Triage Desk
; Per-machine: installed once by IT into Program Files (read-only for users), for every user of the PC.
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=yes
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=TriageDesk-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\triage-desk.ico
UninstallDisplayIcon={app}\TriageDesk.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Files]
; Everything PyInstaller collected: TriageDesk.exe (windowed), triage-desk.exe (command line) and _internal\.
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\policy.example.toml"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
Name: "{autoprograms}\Triage Desk"; Filename: "{app}\TriageDesk.exe"; WorkingDir: "{app}"

[Registry]
; .tdcase -> Triage Desk: double-clicking a case bundle opens its verify view after sign-in.
Root: HKA; Subkey: "Software\Classes\.tdcase"; ValueType: string; ValueName: ""; ValueData: "TriageDesk.CaseBundle"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\TriageDesk.CaseBundle"; ValueType: string; ValueName: ""; ValueData: "Triage Desk case bundle"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\TriageDesk.CaseBundle\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\TriageDesk.exe,0"
Root: HKA; Subkey: "Software\Classes\TriageDesk.CaseBundle\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\TriageDesk.exe"" open ""%1"""

[UninstallDelete]
; Only what the installer itself put in {app}. Users' data (%LOCALAPPDATA%\TriageDesk, or the policy's
; data_directory) and the IT policy (%ProgramData%\TriageDesk\policy.toml) are never listed here:
; uninstalling never touches them.
Type: filesandordirs; Name: "{app}\_internal"
