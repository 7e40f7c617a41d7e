"""The three cells, by the name lessons use: the one registry every fact about a cell is
looked up through (a fourth cell is one module here and one line below)."""

from stepper.cells.base import Cell
from stepper.cells.gru import CELL as GRU
from stepper.cells.lstm import CELL as LSTM
from stepper.cells.rnn import CELL as RNN

CELLS: dict[str, Cell] = {cell.name: cell for cell in (RNN, GRU, LSTM)}
CELL_NAMES = tuple(CELLS)

__all__ = ["CELLS", "CELL_NAMES", "Cell"]
