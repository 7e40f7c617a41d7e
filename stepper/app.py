"""The window: events in, commands dispatched, a new ViewState per command,
a redraw only when something changed. Nothing here computes model values."""

from __future__ import annotations

import errno
import math
import os
import time
import traceback
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from stepper import frames, places, update
from stepper.cells import CELLS
from stepper.commands import KEYMAPS, Command
from stepper.edits import edited
from stepper.files import OutputError, atomic_write, free_name, ready_to_write, save_new
from stepper.frames import varied_sequence as varied_sequence  # tests import it from here
from stepper.keys import key_name
from stepper.lesson import Lesson, LessonError, builtin_lessons, load_lesson
from stepper.live import LIVE, LiveRun, LiveSettings
from stepper.params import init_params
from stepper.places import StartAt
from stepper.presenter import Presenter, projector_display
from stepper.reload import POLL_SECONDS, Stamp, needs_training, stamp
from stepper.render import Fonts, LayerCache
from stepper.scene import Cell, Hotspot, Raster, Scene
from stepper.session import Session
from stepper.slices import Opening, Saving
from stepper.state import ViewState
from stepper.theme import Theme
from stepper.trace import Trace
from stepper.train import training
from stepper.update import Context, Effects, Start
from stepper.views.frame import Box, Frame
from stepper.views.overlays import LessonEntry, notes_view
from stepper.views.presenter import build_presenter
from stepper.views.screen import build_progress, build_screen, build_start
from stepper.views.screen import forget as forget_views
from stepper.weights import save_weights as write_weights

DEFAULT_SIZE = (1920, 1080)
MIN_SIZE = (640, 360)
OPEN_AT_ONCE_SECONDS = 0.4  # a lesson that trains faster opens without a progress screen
GIF_AT_ONCE_PIXELS = 9_000_000  # a GIF this small (its frames' pixels: about half a second) is saved at once
SLICE_SECONDS = 0.03  # training time per frame while a long lesson trains
LIVE_SLICE_SECONDS = 0.015  # training time per frame while training live: 30+ frames a second
DOUBLE_CLICK_SECONDS = 0.4
HEADLESS_LIVE_ITERATIONS = 20  # per frame off-screen: a count, not a time, so exports repeat
LESSONS_KEPT = 3  # lessons Backspace can return to, each with its trained session
POINTING = (pygame.TEXTINPUT, pygame.MOUSEMOTION, pygame.MOUSEBUTTONDOWN, pygame.MOUSEWHEEL, pygame.DROPFILE)


class App:
    """One window (or one off-screen surface when headless)."""

    def __init__(
        self,
        lesson_path: Path | None = None,
        size: tuple[int, int] | None = None,
        headless: bool = False,
        start_at: StartAt | None = None,
        lesson: Lesson | None = None,
        presenter: bool = False,
        watch: bool = True,
    ) -> None:
        """`lesson`, if given, is the lesson at `lesson_path` already read (or made by --text);
        no `size`: DEFAULT_SIZE, or the screen's size when it is smaller (a 1366x768 projector)."""
        pygame.display.init()  # not pygame.init(): no audio, no joystick, faster start
        pygame.font.init()
        self.headless = headless
        size = size or (DEFAULT_SIZE if headless else fitting_window(DEFAULT_SIZE))
        self.size = size
        if headless:
            self.surface = pygame.Surface(size)
        else:
            pygame.display.set_caption("RNN Stepper")
            self.surface = pygame.display.set_mode(size, pygame.RESIZABLE)
        self.fonts = Fonts()
        self.layers = LayerCache()
        self.theme = Theme()
        self.lesson_paths = builtin_lessons()
        self._entries: list[LessonEntry] | None = None
        self.session: Session | None = None
        self._compare_session: Session | None = None  # the lesson's second cell, trained on demand
        self._compare_opening: Opening | None = None  # ... in slices between frames, like a lesson
        self.state: ViewState | None = None
        self.message = ""  # a lesson that could not open
        self.selection = 0
        self.running = True
        self.dirty = True
        self.scene: Scene | None = None
        self._play_clock = 0.0
        self._fullscreen = False
        self._windowed = size
        self.opening: Opening | None = None
        self.saving: Saving | None = None  # a GIF being drawn between frames (G)
        self.live: LiveRun | None = None  # training in the window (F5), paused or running
        self.live_settings: LiveSettings | None = None
        self._opener_text = ""  # the text of the key that just opened an entry
        self._last_click: tuple[float, tuple] = (0.0, ())
        self._drag: tuple[Hotspot, tuple[int, int]] | None = None  # where the scrubber was dragged to
        self.start_at = start_at
        self._left: list[tuple[Session, ViewState]] = []  # lessons left for another, newest last
        self.watched: Path | None = None  # the lesson file that reloads when it is saved
        self._stamp: Stamp | None = None
        self._poll_clock = 0.0
        self.reload_problems: tuple[str, ...] = ()  # a broken edit's errors, over the last good version
        self.presenter: Presenter | None = None  # the teacher's window (Ctrl P, --presenter)
        self._lesson_clock = 0.0  # seconds since the lesson opened: the presenter's elapsed time
        if lesson_path is not None:
            self.open_lesson(lesson_path, lesson, watch)
        if presenter:
            self.toggle_presenter()

    # ----- lessons -----------------------------------------------------------------
    @property
    def entries(self) -> list[LessonEntry]:
        """Title and summary of each built-in lesson, read once, errors kept per lesson."""
        if self._entries is None:
            entries = []
            for path in self.lesson_paths:
                try:
                    lesson = load_lesson(path)
                    entries.append(LessonEntry(lesson.title, " ".join(lesson.summary.split())))
                except LessonError as exc:
                    entries.append(LessonEntry(path.name, "", str(exc.problems[0])))
            self._entries = entries
        return self._entries

    def open_lesson(self, path: Path | str, lesson: Lesson | None = None, watch: bool = True) -> None:
        """Load (unless `lesson` is given) and start training. A lesson that trains longer
        than a moment trains in slices between frames: the window shows progress and Esc cancels."""
        path = Path(path)
        if self.session is not None and self.state is not None:  # Backspace comes back here
            self._left = [*self._left[1 - LESSONS_KEPT :], (self.session, self.state)]
        # A lesson file reloads when saved; a lesson made here (--text, a dropped text) has none.
        self.watched = path if watch else None
        self._stamp, self.reload_problems = stamp(path), ()
        try:
            lesson = lesson or load_lesson(path)
        except LessonError as exc:
            self._fail(str(exc))
            return
        except Exception as exc:  # the app never dies on a lesson
            self._fail(f"{path}: could not open ({type(exc).__name__}: {exc})")
            return
        self._train(path, lesson)

    def _train(self, path: Path, lesson: Lesson) -> None:
        try:
            steps = training(lesson.train_config(), lesson.data)
        except Exception as exc:  # the app never dies on a lesson
            self._fail(f"{path}: could not open ({type(exc).__name__}: {exc})")
            return
        self.opening = Opening(path, lesson, steps)
        self.advance_opening(math.inf if self.headless else OPEN_AT_ONCE_SECONDS)

    def poll_lesson(self) -> bool:
        """Reload the lesson file if it was saved since it was read; True if it was."""
        if self.watched is None or self.opening is not None:
            return False
        now = stamp(self.watched)
        if now == self._stamp:
            return False
        self._stamp = now
        self.reload_lesson()
        return True

    def reload_lesson(self) -> None:
        """The watched file read again, shown at the same checkpoint, pass and place. Training
        runs again only if what it reads changed. A broken edit keeps the last good version on
        screen with its errors over it."""
        path = self.watched
        assert path is not None
        try:
            lesson = load_lesson(path)
        except LessonError as exc:
            self._broken_edit(str(exc), tuple(str(p) for p in exc.problems))
            return
        except Exception as exc:  # the app never dies on a lesson
            problem = f"{path}: could not open ({type(exc).__name__}: {exc})"
            self._broken_edit(problem, (problem,))
            return
        self.reload_problems = ()
        session, state = self.session, self.state
        if session is None or state is None:
            self._train(path, lesson)
        elif needs_training(session.lesson, lesson):
            self.start_at = update.retrained_at(state, session, lesson)
            self._train(path, lesson)
        else:
            self._swap_lesson(lesson)

    def _broken_edit(self, message: str, problems: tuple[str, ...]) -> None:
        if self.session is None:
            self._fail(message)
        else:
            self.reload_problems = problems
            self.dirty = True

    def _swap_lesson(self, lesson: Lesson) -> None:
        """The new version of the lesson over the checkpoints already trained."""
        assert self.session is not None and self.state is not None
        old = self.session
        forget_views()
        self.scene = None
        self._compare_session = None
        self.session = Session(lesson, old.result, kept=old.kept)  # checkpoints kept in the window too
        self.set_state(update.reloaded(self.state, old, self.session))
        self.dirty = True

    def advance_opening(self, budget: float) -> None:
        """Train for up to `budget` seconds; when done, show the lesson."""
        opening = self.opening
        if opening is None:
            return
        try:
            result = opening.advance(budget)
            if result is not None:
                self.opening = None
                self._show(opening.path, Session(opening.lesson, result))
        except Exception as exc:  # the app never dies on a lesson
            self.opening = None
            self._fail(f"{opening.path}: training failed ({type(exc).__name__}: {exc})")
        self.dirty = True

    def cancel_opening(self) -> None:
        if self.opening is not None:
            title = self.opening.lesson.title
            self.opening = None
            self._fail(f'Training of "{title}" was cancelled. Choose a lesson with L.')

    def trace_of(self, state: ViewState) -> Trace:
        """The trace a state shows: its checkpoint on its sequence, or iteration K on its chunk."""
        assert self.session is not None
        return places.trace_of(self.session, state)

    def _show(self, path: Path, session: Session) -> None:
        lesson = session.lesson
        forget_views()
        self.scene = None  # its cells and timeline columns belong to the lesson being closed
        self._compare_session = None
        self._compare_opening = None
        self.live = None
        config = lesson.train_config()
        self.live_settings = LiveSettings(config.optimizer, config.learning_rate)
        self.session = session
        self.message = ""
        self._lesson_clock = 0.0
        self.state = update.first_place(session, self.theme.zoom)
        if self.start_at is not None:  # the command line's place, once
            self.state, self.start_at = self.start_at.applied(self.state, session), None
        self._select(path)
        self.dirty = True

    def _select(self, path: Path) -> None:
        """The lesson list's row: the lesson shown, if it is a built-in one."""
        resolved = path.resolve()
        self.selection = next((k for k, p in enumerate(self.lesson_paths) if p.resolve() == resolved), 0)

    def go_back(self) -> None:
        """Backspace: the lesson left most recently, at the place it was left (checkpoint,
        pass, step, panels), without training it again."""
        if not self._left:
            if self.state is not None:
                self.set_state(replace(self.state, message="no earlier lesson to go back to"))
            return
        session, state = self._left.pop()
        forget_views()
        self.scene = None
        self._compare_session = None
        self.opening = None
        self.live = None  # its weights stay as the checkpoint "live"; F5 goes on from them
        config = session.lesson.train_config()
        self.live_settings = LiveSettings(config.optimizer, config.learning_rate)
        self.session, self.message = session, ""
        self.state = update.returned(state, session.lesson.title, self.theme.zoom)
        self._select(session.lesson.path)
        self.watched, self._stamp, self.reload_problems = session.lesson.path, stamp(session.lesson.path), ()
        self.dirty = True

    def _fail(self, message: str) -> None:
        self.opening = None
        self.session, self.state = None, None
        self.message = message
        self.dirty = True

    # ----- frames --------------------------------------------------------------------
    def frame(self, state: ViewState | None = None) -> Frame | None:
        """What `state` (by default the one shown) shows, for the views."""
        state = state or self.state
        if self.session is None or state is None:
            return None
        other = None
        if "compare" in state.panels and frames.compare_kind(self.session, state) == "cells":
            other = self._compare_ready()  # starts its training if it has not started yet
        training = self._compare_progress() if self._compare_opening is not None else ""
        return frames.frame_of(self.session, state, self.reload_problems, other, training)

    def build(
        self, state: ViewState | None = None, size: tuple[int, int] | None = None, theme: Theme | None = None
    ) -> Scene:
        """The scene for the current state (or another one, for off-screen exports)."""
        w, h = size or self.surface.get_size()
        theme = theme or self.theme
        if self.opening is not None:
            o = self.opening
            total = o.lesson.training.iterations
            return build_progress(w, h, theme, self.fonts.measure, o.lesson.title, min(o.done, total), total)
        frame = self.frame(state)
        if frame is None:
            return build_start(w, h, theme, self.fonts.measure, self.entries, self.selection, self.message)
        return build_screen(
            frame,
            w,
            h,
            theme,
            self.fonts.measure,
            self.entries if self.state and self.state.overlay == "lessons" else None,
        )

    def render(self) -> bool:
        """Draw if anything changed; True if a new frame was drawn (on the projector)."""
        if not self.dirty:
            self.render_presenter()  # its clock may have moved on
            return False
        try:
            self.scene = self.build()
            self.layers.draw(self.scene, self.surface, self.fonts)
        except Exception:  # the window stays up and says what failed
            self.layers.forget()
            self.surface.fill((246, 245, 241))
            text = traceback.format_exc().strip().splitlines()[-1]
            image = self.fonts.render(f"Could not draw this frame: {text}", 20, "sans", False, (200, 30, 30))
            self.surface.blit(image, (20, 20))
        self.dirty = False
        if not self.headless:
            pygame.display.flip()
        if self.presenter is not None:
            self.presenter.dirty = True  # its thumbnail shows this frame
        self.render_presenter()
        return True

    # ----- the presenter window --------------------------------------------------------
    def toggle_presenter(self) -> None:
        """Ctrl P: open the teacher's window, or close it (the lesson stays open)."""
        if self.presenter is not None:
            self.close_presenter()
            return
        if self.headless:
            return
        problem = ""
        try:
            self.presenter = Presenter()
        except pygame.error as exc:
            problem = str(exc)
        if self.state is not None:
            self.set_state(update.presenter_opened(self.state, problem))

    def close_presenter(self) -> None:
        if self.presenter is not None:
            self.presenter.close()
            self.presenter = None
        if self.state is not None:
            self.set_state(replace(self.state, message="presenter window closed"))

    def render_presenter(self) -> bool:
        """Draw the presenter window if anything it shows changed; True if it was drawn."""
        presenter = self.presenter
        if presenter is None or not presenter.dirty:
            return False
        w, h = presenter.surface.get_size()
        frame = self.frame()
        try:
            measure = self.fonts.measure
            if frame is None:
                scene = build_start(w, h, self.theme, measure, self.entries, self.selection, self.message)
            else:
                aspect = self.surface.get_width() / max(1, self.surface.get_height())
                scene = build_presenter(frame, w, h, self.theme, measure, self._lesson_clock, aspect)
            presenter.draw(scene, self.fonts, self.surface)
        except Exception:  # the lesson goes on even if the teacher's window cannot draw
            presenter.layers.forget()
            presenter.surface.fill((246, 245, 241))
            text = traceback.format_exc().strip().splitlines()[-1]
            image = self.fonts.render(f"Could not draw this: {text}", 20, "sans", False, (200, 30, 30))
            presenter.surface.blit(image, (20, 20))
            presenter.window.flip()
            presenter.dirty = False
        return True

    def repaint(self) -> None:
        """Draw every layer on the next frame. After set_mode, a resize or an expose the
        window's pixels may be gone while the surface object (and its size) stay the same,
        so the layer cache cannot tell: it must be told."""
        self.layers.forget()
        self.dirty = True

    # ----- commands ------------------------------------------------------------------
    def set_state(self, state: ViewState) -> None:
        if state != self.state:
            self.state = state
            self.dirty = True

    def context(self) -> Context:
        """What the pure update reads besides the state (the open lesson, the window's zoom...)."""
        assert self.session is not None
        notes = (0, 0)
        if self.state is not None and self.state.overlay == "notes":
            w, h = self.surface.get_size()
            lesson = self.session.lesson
            shown, room = notes_view(
                Box(0, 0, w, h), self.theme, self.fonts.measure, lesson.title, lesson.teacher_notes
            )
            notes = (len(shown), room)
        return Context(
            self.session,
            lessons=len(self.lesson_paths),
            selection=self.selection,
            zoom=self.theme.zoom,
            zoom_limit=self.zoom_limit(),
            presenter=self.presenter is not None,
            live=self.live_settings,
            live_run=self.live is not None,
            compare_training=self._compare_opening is not None,
            saving=self.saving is not None,
            notes=notes,
        )

    def command(self, command: Command, key: str = "") -> None:
        """A command: the pure update decides, then its effects are performed."""
        if self.opening is not None:
            if command is Command.BACK:
                self.cancel_opening()
            return
        if self.state is None or self.session is None:
            start = Start(self.selection, self.message, bool(self._left))
            moved, effects = update.start_screen(start, command, key, len(self.lesson_paths))
            if moved != start:
                self.selection, self.message, self.dirty = moved.selection, moved.message, True
            self.perform(effects)
            return
        before = self.state
        state, effects = update.update(before, command, self.context(), key)
        if state.playing != before.playing:
            self._play_clock = 0.0
        self.set_state(state)
        self.perform(effects)

    def perform(self, effects: Effects) -> None:
        """What the update asked for, in order: the only place a command touches the world."""
        for effect in effects:
            match effect:
                case update.Quit():
                    self.running = False
                case update.OpenLesson(index):
                    self.open_lesson(self.lesson_paths[index])
                case update.GoBack():
                    self.go_back()
                case update.Select(index):
                    self.selection = index
                case update.ToggleFullscreen():
                    self.toggle_fullscreen()
                case update.Zoom(zoom):
                    self.theme = self.theme.zoomed(zoom)
                case update.TogglePresenter():
                    self.toggle_presenter()
                case update.TextInput(on):
                    if on:
                        pygame.key.start_text_input()
                    else:
                        pygame.key.stop_text_input()
                case update.SavePng():
                    self.save_png()
                case update.SaveGif():
                    self.save_gif(at_once=False)
                case update.CancelSave():
                    self.cancel_saving()
                case update.SaveWeights():
                    self.save_weights()
                case update.CancelCompare():
                    self._compare_opening = None
                case update.PauseLive():
                    self._pause_live()
                case update.StartLive(new_run):
                    self._train_live(new_run)
                case update.KeepLive(name):
                    self._keep_live(name)
                case update.FreshWeights(seed):
                    self._fresh_weights(seed)
                case update.UseLiveSettings(settings):
                    self.live_settings, self.live = settings, None  # the next F5 starts a run
                case update.Then(update.Picked() as again):
                    self.pick(again)
                case update.Then(again, again_key):
                    self.command(again, again_key)

    def _compare_ready(self) -> Session | None:
        """The lesson's second cell, trained: at once when headless; in the window, training
        starts here and goes on in slices between frames (tick), with progress, and Esc
        cancels it. None until it is done."""
        assert self.session is not None
        lesson = self.session.lesson
        if self._compare_session is not None and self._compare_session.lesson.path == lesson.path:
            return self._compare_session
        other = lesson.compare_lesson()
        assert other is not None
        if self.headless:
            self._compare_session = Session.open(other)
            return self._compare_session
        if self._compare_opening is None:
            self._compare_opening = Opening(lesson.path, other, training(other.train_config(), other.data))
            self.advance_compare(OPEN_AT_ONCE_SECONDS)  # a small model is ready at once
        return self._compare_session if self._compare_opening is None else None

    def advance_compare(self, budget: float) -> None:
        """Train the compare cell for up to `budget` seconds; when done, side by side shows it."""
        opening = self._compare_opening
        if opening is None:
            return
        try:
            result = opening.advance(budget)
            if result is not None:
                self._compare_opening = None
                self._compare_session = Session(opening.lesson, result)
        except Exception as exc:  # the app never dies on a lesson
            self._compare_opening = None
            self._close_compare(f"the {opening.lesson.model.cell} could not train ({type(exc).__name__})")
        self.dirty = True

    def _compare_progress(self) -> str:
        o = self._compare_opening
        assert o is not None
        total = o.lesson.training.iterations
        title = CELLS[o.lesson.model.cell].title
        return f"Side by side: training the {title}, {min(o.done, total):,} of {total:,} (Esc cancels)"

    def _close_compare(self, note: str) -> None:
        self._compare_opening = None
        if self.state is not None:
            panels = tuple(p for p in self.state.panels if p != "compare")
            self.set_state(replace(self.state, panels=panels, message=note))

    # ----- training live (F5): the effects the update asks for -----------------------------------
    def _train_live(self, new_run: bool) -> None:
        """F5: training goes on (a new run from the weights shown, or the paused one)."""
        assert self.state is not None
        if new_run:
            self._start_live(self.state)
        self.set_state(update.live_running(self.state, self.context()))

    def _keep_live(self, name: str) -> None:
        """Ctrl+K: the live weights kept as a checkpoint of their own, shown."""
        assert self.session is not None and self.state is not None
        state, session = self.state, self.session
        live = session.kept[LIVE]
        marks = (*live.marks[:-1], (name, live.checkpoint.iteration))
        renamed = replace(live, checkpoint=replace(live.checkpoint, name=name), marks=marks, next=None)
        session.keep(renamed)
        self.set_state(update.live_kept(state, name, self.context()))

    def _fresh_weights(self, seed: int) -> None:
        """F6: a run from freshly drawn weights, their start a checkpoint of its own."""
        assert self.session is not None and self.state is not None and self.live_settings is not None
        state, session, settings = self.state, self.session, self.live_settings
        m = session.lesson.model
        start_params = init_params(m.cell, len(session.lesson.vocab), m.hidden_size, m.init_scale, seed)
        name = f"seed {seed}"  # the run's start, a checkpoint of its own (its curve's 0)
        config, data = session.lesson.train_config(), session.lesson.data
        self.live = LiveRun(config, data, start_params, settings, marks=((name, 0),))
        old = self.trace_of(state)  # before "live" is replaced under it
        session.keep(replace(self.live.kept(name), marks=((name, 0),)))
        session.keep(self.live.kept())
        for other in [n for n in session.kept if n.startswith("seed ") and n != name]:
            if not any(other == mark for k in session.kept.values() for mark, _ in k.marks[:1]):
                session.drop(other)  # an earlier fresh start no run began from
        self.set_state(update.live_fresh(state, old, seed, self.context()))

    def _pause_live(self) -> None:
        """The run paused: what it trained is kept as the live checkpoint, with its next chunk."""
        assert self.session is not None and self.state is not None
        state = self.state
        old = self.trace_of(state)
        if self.live is not None and state.checkpoint == LIVE:
            self.session.keep(self.live.kept(paused=True))
        self.set_state(update.live_paused(state, old, self.live, self.context()))

    def _start_live(self, state: ViewState) -> None:
        """A new run from the weights on screen (the checkpoint with its edits)."""
        assert self.session is not None and self.live_settings is not None
        session = self.session
        base = session.checkpoint(state.checkpoint)
        kept = session.kept.get(state.checkpoint)
        if kept is not None:
            history, marks = kept.history, kept.marks[:-1] if state.checkpoint == LIVE else kept.marks
        else:
            history = session.result.loss_history
            reached = (c for c in session.result.checkpoints if c.iteration <= base.iteration)
            marks = tuple((c.name, c.iteration) for c in reached)
        start_params = edited(base.params, state.edits)
        self.live = LiveRun(
            session.lesson.train_config(),
            session.lesson.data,
            start_params,
            self.live_settings,
            base.iteration,
            history,
            marks,
        )
        old = self.trace_of(state)  # before "live" is replaced under it
        session.keep(self.live.kept())
        self.state = update.moved_to_live(state, old, self.context())

    def advance_live(self, seconds: float = LIVE_SLICE_SECONDS) -> None:
        """One frame of live training: a slice of iterations, then the new weights shown."""
        assert self.session is not None and self.state is not None
        if self.live is None:
            self.set_state(replace(self.state, training=False))
            return
        if self.headless:  # exports (--keys) come out the same on every machine
            self.live.run(iterations=HEADLESS_LIVE_ITERATIONS)
        else:
            self.live.run(seconds)
        old = self.trace_of(self.state)  # before "live" is replaced under it
        self.session.keep(self.live.kept())
        self.set_state(update.live_trained(self.state, old, self.live, self.context()))
        self.dirty = True  # the weights changed under the same state

    def save_weights(self, folder: Path | None = None) -> Path | None:
        """Ctrl+S: the shown weights (the checkpoint with its edits) as a .npz, torch names."""
        assert self.session is not None and self.state is not None
        params = edited(self.session.params(self.state.checkpoint), self.state.edits)
        try:
            path = save_new(save_folder(folder), "rnn-stepper", ".npz", lambda p: write_weights(p, params))
            note = f"saved {path.name} (weights of {self.state.checkpoint})"
        except OutputError as exc:
            path, note = None, str(exc)
        self.set_state(replace(self.state, message=note))
        return path

    def go_to_iteration(self, k: int) -> None:
        assert self.session is not None and self.state is not None
        self.set_state(places.go_to_iteration(self.state, self.session, k))

    def zoom_limit(self) -> float:
        """The largest zoom at which the window still holds a minimum-size screen."""
        w, h = self.surface.get_size()
        return min(w / MIN_SIZE[0], h / MIN_SIZE[1])

    def fit_zoom(self) -> None:
        """After the window shrank: the largest zoom step that still fits."""
        zoom = update.zoom_to_fit(self.theme.zoom, self.zoom_limit())
        if zoom is None:
            return
        self.theme = self.theme.zoomed(zoom)
        if self.state is not None:
            self.set_state(
                replace(self.state, zoom=self.theme.zoom, message=f"zoom {self.theme.zoom:.0%} to fit")
            )

    def toggle_fullscreen(self) -> None:
        """Switch by setting the mode (toggle_fullscreen is missing on some platforms);
        if the display refuses, say so and stay windowed."""
        if self.headless:
            return
        going_full = not (self.state.fullscreen if self.state else self._fullscreen)
        try:
            if going_full:
                self._windowed = self.surface.get_size()
                display = projector_display(pygame.display.get_num_displays(), self.presenter is not None)
                self.surface = pygame.display.set_mode((0, 0), pygame.FULLSCREEN, display=display)
            else:
                self.surface = pygame.display.set_mode(self._windowed, pygame.RESIZABLE)
            note = ""
        except pygame.error as exc:
            going_full, note = not going_full, f"fullscreen not available: {exc}"
        self._fullscreen = going_full
        if self.state is not None:
            self.set_state(replace(self.state, fullscreen=going_full, message=note))
        self.repaint()

    def save_png(self, folder: Path | None = None) -> Path | None:
        """The frame on screen, drawn again off-screen without the status bar's passing notes."""
        try:
            surface = self.surface
            if self.state is not None:
                surface = pygame.Surface(self.surface.get_size())
                LayerCache().draw(self.build(self.state.exported()), surface, self.fonts)
            path = save_new(save_folder(folder), "rnn-stepper", ".png", lambda p: save_surface(surface, p))
            note = f"saved {path.name}"
        except OutputError as exc:
            path, note = None, str(exc)
        if self.state is not None:
            self.set_state(replace(self.state, message=note))
        return path

    def save_gif(self, folder: Path | None = None, at_once: bool = True) -> Path | None:
        """The whole current pass as an animated GIF, drawn off-screen. In the window (G) a
        GIF larger than GIF_AT_ONCE_PIXELS is drawn in slices between frames (tick), its
        progress in the status bar; Esc cancels it. The path once it is written, else None."""
        from stepper.headless import ExportError, gif_drawing, gif_size, pass_ops

        assert self.state is not None and self.session is not None
        state = self.state
        trace, phase = self.trace_of(state), state.cursor.phase
        try:
            target = ready_to_write(free_name(save_folder(folder), "rnn-stepper", ".gif"))
            drawing = gif_drawing(self, state, trace, phase)
        except (OutputError, ExportError) as exc:
            self.set_state(replace(state, message=str(exc)))
            return None
        total = len(pass_ops(trace, phase))
        w, h = gif_size(self.surface.get_size())
        self.saving = Saving(target, drawing, total)
        if at_once or self.headless or total * w * h <= GIF_AT_ONCE_PIXELS:
            self.set_state(replace(state, message=f"saving {target.name}..."))
            self.render()  # say so before the window is busy
            return self.advance_saving(math.inf)
        self.set_state(replace(state, message=self._saving_words()))
        return None

    def _saving_words(self) -> str:
        saving = self.saving
        assert saving is not None
        doing = f"frame {saving.done} of {saving.total}" if saving.done < saving.total else "compressing"
        return f"saving {saving.target.name}: {doing} (Esc cancels)"

    def advance_saving(self, budget: float) -> Path | None:
        """Draw the GIF for up to `budget` seconds; once every frame is drawn, write it."""
        from stepper.headless import ExportError

        saving = self.saving
        assert saving is not None and self.state is not None
        try:
            result = saving.advance(budget)
            if result is None:
                self.set_state(replace(self.state, message=self._saving_words()))
                return None
            self.saving = None
            (data, count), folder = result, saving.target.parent
            path = save_new(folder, "rnn-stepper", ".gif", lambda p: atomic_write(p, data_to(data)))
            note = f"saved {path.name} ({count} frames)"
        except (OutputError, ExportError) as exc:
            self.saving = None
            path, note = None, str(exc)
        self.set_state(replace(self.state, message=note))
        return path

    def cancel_saving(self) -> None:
        """Esc while the GIF is drawn: nothing is written."""
        if self.saving is not None:
            self.saving.steps.close()
            self.saving = None

    # ----- events --------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> None:
        presenter = self.presenter
        typing = (pygame.KEYDOWN, pygame.TEXTINPUT, pygame.DROPFILE)  # to the app from either window
        if presenter is not None and presenter.owns(event) and event.type not in typing:
            if event.type == pygame.WINDOWCLOSE:
                self.close_presenter()  # the lesson stays open
            elif event.type in (pygame.WINDOWSIZECHANGED, pygame.WINDOWEXPOSED, pygame.VIDEORESIZE):
                presenter.repaint()
            elif event.type == pygame.MOUSEWHEEL and self.state is not None:  # scrolls its notes
                scroll = max(0, self.state.notes_scroll - 3 * int(getattr(event, "y", 0)))
                self.set_state(replace(self.state, notes_scroll=scroll))
            return  # its pointer does not point into the projector's scene
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.WINDOWCLOSE and presenter is not None:
            self.running = False  # the projector's close button, with the presenter open
        elif self.saving is not None and event.type in POINTING:
            return  # what the GIF draws must not change under it (Esc cancels it)
        elif event.type == pygame.TEXTINPUT:
            opener, self._opener_text = self._opener_text, ""
            if event.text != opener:
                self._text(event.text)
        elif event.type == pygame.KEYDOWN:
            key = key_name(event)
            mode = self.state.mode if self.state is not None else "step"
            command = KEYMAPS[mode].get(key)
            self._opener_text = ""
            if command is None and self.state is not None:
                self.set_state(update.not_quitting(self.state))
            if command is not None:
                self.command(command, key)
                if mode != "entry" and self.state is not None and self.state.mode == "entry":
                    # The key that opened the entry (K, E, =) arrives as text right after: not typed.
                    self._opener_text = getattr(event, "unicode", "")
        elif event.type == pygame.MOUSEWHEEL and self.state is not None and self.session is not None:
            self.set_state(update.wheeled(self.state, int(getattr(event, "y", 0)), self.context()))
        elif event.type == pygame.VIDEORESIZE and not self.headless:
            w, h = max(MIN_SIZE[0], event.w), max(MIN_SIZE[1], event.h)
            self.surface = pygame.display.get_surface() or pygame.display.set_mode((w, h), pygame.RESIZABLE)
            self.fit_zoom()
            self.repaint()
        elif event.type in (pygame.WINDOWSIZECHANGED, pygame.WINDOWEXPOSED):
            self.repaint()
        elif event.type == pygame.DROPFILE:
            self.open_dropped(str(getattr(event, "file", "")))
        elif event.type == pygame.MOUSEMOTION:
            self.pointer(event.pos)
            if getattr(event, "buttons", (0,))[0] and self.scene is not None and self.state is not None:
                hit = self.scene.hit(*event.pos)  # dragging along the history's scrubber
                if isinstance(hit, Hotspot) and hit.kind == "iteration" and not self.state.overlay:
                    self._drag = (hit, event.pos)  # replayed once a frame, not once per motion event
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.click(event.pos)

    def _text(self, text: str) -> None:
        """TEXTINPUT, from either window, into whatever entry is open."""
        if self.state is not None:
            self.set_state(update.typed(self.state, text))

    def open_dropped(self, name: str) -> None:
        """A file dropped on the window: a .yaml lesson, or a .txt text to learn from. One that
        cannot open leaves the lesson shown as it was, and the status bar says why."""
        from stepper.lesson.text import text_lesson

        suffix = Path(name).suffix.lower()
        if suffix not in (".yaml", ".yml", ".txt"):
            self._refused_drop(f"{Path(name).name}: drop a lesson (.yaml) or a text (.txt)")
            return
        if suffix != ".txt" and self.state is None:  # nothing to keep: the card shows every problem
            self.open_lesson(name)
            return
        try:
            lesson = text_lesson(name)[0] if suffix == ".txt" else load_lesson(Path(name))
        except LessonError as exc:
            self._refused_drop(str(exc.problems[0]))
            return
        except Exception as exc:  # the app never dies on a lesson
            self._refused_drop(f"{name}: could not open ({type(exc).__name__}: {exc})")
            return
        if suffix == ".txt":
            self.start_at = StartAt(lesson.checkpoint_names[-1])  # a text opens trained
        self.open_lesson(lesson.path, lesson, watch=suffix != ".txt")

    def _refused_drop(self, note: str) -> None:
        if self.state is not None:
            self.set_state(replace(self.state, message=note))
        else:
            self.message, self.dirty = note, True

    def pointer(self, pos: tuple[int, int]) -> None:
        if self.scene is not None and self.state is not None:
            self.set_state(update.pointed(self.state, self.scene.hit(*pos), pos))

    def click(self, pos: tuple[int, int]) -> None:
        if self.scene is None:
            return
        hit = self.scene.hit(*pos)
        if isinstance(hit, Hotspot) and hit.kind == "lesson":
            self.selection = int(hit.key)
            self.open_lesson(self.lesson_paths[self.selection])
        elif self.state is None or self.session is None:
            return
        elif isinstance(hit, Cell | Raster):
            cell = update.weight_cell(self.state, hit, pos, self.context())
            if cell is not None:
                now, (then, before) = time.monotonic(), self._last_click
                self._last_click = (now, cell)
                self.pick(update.Picked(cell, before == cell and now - then < DOUBLE_CLICK_SECONDS))
        elif isinstance(hit, Hotspot):
            self.set_state(update.clicked(self.state, hit, pos, self.context()))

    def pick(self, picked: update.Picked) -> None:
        assert self.state is not None
        state, effects = update.picked(self.state, picked, self.context())
        self.set_state(state)
        self.perform(effects)

    def tick(self, seconds: float) -> None:
        """Advance training, the transition and playback; playback stops by itself at the end.
        While a GIF is drawn, only it advances (what it draws must not change under it)."""
        if self.saving is not None:
            self.advance_saving(SLICE_SECONDS)
            return
        self._poll_clock += seconds
        if self._poll_clock >= POLL_SECONDS:
            self._poll_clock = 0.0
            self.poll_lesson()
        if self.opening is not None:
            self.advance_opening(SLICE_SECONDS)
            return
        if self._compare_opening is not None:
            if self.state is None or self.state.compare != "cells" or "compare" not in self.state.panels:
                self._compare_opening = None  # side by side moved on: the training is not needed
            else:
                self.advance_compare(SLICE_SECONDS)
        if self._drag is not None and self.state is not None:
            (hit, pos), self._drag = self._drag, None
            self.set_state(update.scrubbed(self.state, hit, pos[0], self.context()))
        state = self.state
        if state is None or self.session is None:
            return
        before = int(self._lesson_clock)
        self._lesson_clock += seconds
        if self.presenter is not None and int(self._lesson_clock) != before:
            self.presenter.dirty = True  # the elapsed time it shows
        if state.training:
            self.advance_live()
            state = self.state
        state = update.settled(state, seconds)
        self.set_state(state)
        if not state.playing:
            return
        self._play_clock += seconds
        interval, ops = 1.0 / state.speed, 0
        while self._play_clock >= interval:
            self._play_clock -= interval
            ops += 1
        if ops:
            state, effects = update.played(state, ops, self.context())
            self.set_state(state)
            self.perform(effects)

    def run(self) -> int:
        clock = pygame.time.Clock()
        while self.running:
            for event in pygame.event.get():
                self.handle(event)
            self.tick(clock.get_time() / 1000.0)
            self.render()
            clock.tick(60)
        pygame.quit()
        return 0


def save_folder(folder: Path | None) -> Path:
    """Where S and G save: the given folder, else the working folder, which may have been
    deleted (or its drive removed) since the app started."""
    if folder is not None:
        return folder
    try:
        return Path.cwd()
    except OSError as exc:
        raise OutputError(f"cannot save: the working folder is gone ({exc.strerror})") from None


def data_to(data: bytes):
    """A writer for atomic_write that puts these bytes in the temporary file."""
    return lambda tmp: tmp.write_bytes(data)


def save_surface(surface: pygame.Surface, path: Path, overwrite: bool = False) -> Path:
    def write(tmp: Path) -> None:
        try:
            pygame.image.save(surface, str(tmp))
        except pygame.error as exc:  # e.g. a pygame built without JPEG support
            raise OSError(errno.EIO, f"pygame could not write it: {exc}") from None

    return atomic_write(path, write, overwrite)


def fitting_window(size: tuple[int, int]) -> tuple[int, int]:
    """`size`, no larger than the first screen: a window larger than the screen opens with its
    top, its status bar or its right side off the screen."""
    screens = pygame.display.get_desktop_sizes()
    if not screens:
        return size
    return min(size[0], screens[0][0]), min(size[1], screens[0][1])


def run_app(
    lesson_path: Path | None = None,
    size: tuple[int, int] | None = None,
    start_at: StartAt | None = None,
    lesson: Lesson | None = None,
    presenter: bool = False,
    watch: bool = True,
) -> int:
    """`watch`: reload the lesson file when it is saved (not for a lesson made from a text)."""
    return App(lesson_path, size, start_at=start_at, lesson=lesson, presenter=presenter, watch=watch).run()
