import { useRef, useState, type FormEvent } from 'react';
import { isName } from '../routing/routes.js';
import { useCreateProject } from '../api/team-changes.js';
import { useProjects } from '../api/team-queries.js';
import { Age, useNow } from '../apps/Time.js';
import { FieldNote, fieldNoteId } from '../controls/FieldNote.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';

const PROJECT_NAME_RULE =
  'Lower-case letters, digits and "-", at most 32, starting with a letter and ending with a letter or digit.';

/** The team's projects (every member reads them); who may change apps makes new ones. */
export function ProjectsSection({ team, mayCreate }: { team: string; mayCreate: boolean }) {
  const projects = useProjects(team);
  const create = useCreateProject(team);
  const now = useNow();
  const [name, setName] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const field = useRef<HTMLInputElement>(null);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!isName(trimmed)) {
      setInvalid(`Not a project name. ${PROJECT_NAME_RULE}`);
      field.current?.focus();
      return;
    }
    setInvalid(null);
    setNote('');
    create.mutate(trimmed, {
      onSuccess: (made) => {
        setName('');
        setNote(`Created project ${made.name}.`);
      },
    });
  };

  const list = projects.data ?? [];
  return (
    <section aria-labelledby="projects-heading">
      <h2 id="projects-heading">Projects</h2>
      {projects.isPending ? <p aria-live="polite">Loading projects…</p> : null}
      {projects.isError ? <ProblemAlert error={projects.error} title="Could not load the projects" /> : null}
      {projects.isSuccess && list.length === 0 ? <p>No projects in {team} yet.</p> : null}
      {list.length > 0 ? (
        <div className="table-scroll" role="region" aria-label="Projects" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.map((project) => (
                <tr key={project.id}>
                  <th scope="row" className="mono">
                    {project.name}
                  </th>
                  <td>
                    <Age iso={project.createdAt} now={now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {mayCreate ? (
        <form className="change-form" onSubmit={submit} noValidate aria-label="Create a project">
          <div className="inline-fields">
            <div className="field">
              <label htmlFor="project-name">Project name</label>
              <input
                ref={field}
                id="project-name"
                type="text"
                className="mono"
                autoComplete="off"
                spellCheck={false}
                required
                maxLength={32}
                aria-invalid={invalid !== null}
                aria-describedby={fieldNoteId('project-name', invalid)}
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            </div>
            <button type="submit" className="button" disabled={create.isPending}>
              {create.isPending ? 'Saving…' : 'Create project'}
            </button>
          </div>
          <FieldNote id="project-name" error={invalid}>
            {PROJECT_NAME_RULE}
          </FieldNote>
        </form>
      ) : null}
      {create.isError ? <ProblemAlert error={create.error} title="Could not create the project" /> : null}
      <p role="status" className="status-text">
        {note}
      </p>
    </section>
  );
}
