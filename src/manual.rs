//! The command line's manual, generated from its clap definition by well-kept crates:
//! shell completion scripts (clap_complete) and the man page (clap_mangen).

/// The completion script for `shell`.
pub fn completions(mut cmd: clap::Command, shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "embargo", &mut out);
    out
}

/// The manual page (roff): clap_mangen's page for the whole command line, followed by a
/// section per command with its own options and examples.
pub fn man_page(mut cmd: clap::Command) -> std::io::Result<Vec<u8>> {
    // Built, so that each command's part lists the global options it takes too.
    cmd.build();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    // clap_mangen calls what follows the options "EXTRA"; the top-level text is the exit
    // status.
    let mut text = String::from_utf8_lossy(&page).replace(".SH EXTRA", ".SH \"EXIT STATUS\"");
    // The commands are described in this page, not in pages of their own.
    for sub in cmd.get_subcommands() {
        let name = sub.get_name().replace('-', "\\-");
        text = text.replace(
            &format!("embargo\\-{name}(1)"),
            &format!("\\fBembargo {name}\\fR"),
        );
    }
    let mut out = text.into_bytes();
    for (path, sub) in leaves(&cmd, "embargo") {
        let page = clap_mangen::Man::new(sub.clone().bin_name(path.clone()));
        out.extend_from_slice(format!(".SH \"{}\"\n", path.to_uppercase()).as_bytes());
        if let Some(about) = sub.get_about() {
            out.extend_from_slice(format!("{about}\n").as_bytes());
        }
        let mut section = Vec::new();
        page.render_synopsis_section(&mut section)?;
        page.render_options_section(&mut section)?;
        page.render_extra_section(&mut section)?;
        // Within a command's section its parts are sub-headings, not new sections.
        let section = String::from_utf8_lossy(&section)
            .replace(".SH EXTRA", ".SS NOTES")
            .replace(".SH ", ".SS ");
        out.extend_from_slice(section.as_bytes());
    }
    Ok(out)
}

/// Every command that runs something, with its full name (`embargo registry lint`).
fn leaves(cmd: &clap::Command, prefix: &str) -> Vec<(String, clap::Command)> {
    let mut found = Vec::new();
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("{prefix} {}", sub.get_name());
        if sub.has_subcommands() {
            found.extend(leaves(sub, &name));
        } else {
            found.push((name, sub.clone()));
        }
    }
    found
}
